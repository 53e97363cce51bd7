import type { DbOrTx } from "@citadel/db";
import { logChunks } from "@citadel/db/schema";
import type { LogChunk } from "@citadel/protocol";
import { and, asc, eq, gte, sql } from "drizzle-orm";

/** NOTIFY channel for live tails (payload: job id): new chunks or the job ended. Any services instance may listen. */
export const JOB_LOG_CHANNEL = "citadel_job_log";

/** Stores chunks; a chunk sent again (same seq) is kept once. Returns how many were new. */
export async function appendLogChunks(db: DbOrTx, jobId: string, chunks: LogChunk[]): Promise<number> {
  const stored = await db
    .insert(logChunks)
    .values(chunks.map((chunk) => ({ jobId, seq: chunk.seq, step: chunk.step, data: chunk.data })))
    .onConflictDoNothing({ target: [logChunks.jobId, logChunks.seq] })
    .returning({ seq: logChunks.seq });
  if (stored.length > 0) await db.execute(sql`select pg_notify(${JOB_LOG_CHANNEL}, ${jobId})`);
  return stored.length;
}

export async function notifyJobEnded(db: DbOrTx, jobId: string): Promise<void> {
  await db.execute(sql`select pg_notify(${JOB_LOG_CHANNEL}, ${jobId})`);
}

/** Sequence numbers below `count` not stored yet (at most 1,000 listed). */
export async function missingLogSeqs(db: DbOrTx, jobId: string, count: number): Promise<number[]> {
  if (count === 0) return [];
  const rows = await db.execute<{ seq: number }>(sql`
    select s::int as seq from generate_series(0, ${count - 1}::int) s
    where not exists (select 1 from log_chunks c where c.job_id = ${jobId} and c.seq = s)
    order by s limit 1000`);
  return rows.map((row) => row.seq);
}

/** Chunks from `fromSeq` on, in sequence order (arrival order does not matter). */
export async function readLogChunks(db: DbOrTx, jobId: string, fromSeq = 0) {
  return db
    .select({ seq: logChunks.seq, step: logChunks.step, data: logChunks.data })
    .from(logChunks)
    .where(and(eq(logChunks.jobId, jobId), gte(logChunks.seq, fromSeq)))
    .orderBy(asc(logChunks.seq));
}
