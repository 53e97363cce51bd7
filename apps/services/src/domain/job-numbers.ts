import type { DbOrTx } from "@citadel/db";
import { sql } from "drizzle-orm";

/**
 * Reserves `count` consecutive job numbers (CircleCI `job_number`) for a project. Must run inside a
 * transaction: the advisory lock serializes concurrent creators of the same project until commit,
 * so max()+1 never hands out a number twice (the unique index would also refuse it).
 */
export async function reserveJobNumbers(tx: DbOrTx, projectId: string, count: number): Promise<number[]> {
  if (count === 0) return [];
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`citadel.job-number:${projectId}`}, 0))`);
  const rows = await tx.execute<{ last: number }>(
    sql`select coalesce(max(number), 0)::int as last from jobs where project_id = ${projectId}`,
  );
  const last = rows[0]?.last ?? 0;
  return Array.from({ length: count }, (_, i) => last + 1 + i);
}
