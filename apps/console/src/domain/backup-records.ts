import type { Manifest } from "@citadel/backup";
import type { DbOrTx } from "@citadel/db";
import { backups } from "@citadel/db/schema";
import { desc, eq } from "drizzle-orm";

/** The manifest kept in the backups table: versions and per-table row counts, not every object file. */
export function manifestSummary(manifest: Manifest): Record<string, unknown> {
  const { entries, ...rest } = manifest;
  const tables = entries.filter((e) => e.kind === "table");
  return { ...rest, tables: Object.fromEntries(tables.map((e) => [e.name, e.rows ?? 0])), files: entries.length - tables.length };
}

/** The newest backup and, when it failed, why: the dashboard shows a failed (scheduled) backup. */
export async function latestBackup(db: DbOrTx) {
  const [row] = await db.select().from(backups).orderBy(desc(backups.startedAt)).limit(1);
  const [lastGood] = await db
    .select({ at: backups.finishedAt })
    .from(backups)
    .where(eq(backups.status, "succeeded"))
    .orderBy(desc(backups.finishedAt))
    .limit(1);
  return {
    latest: row ? { status: row.status, trigger: row.trigger, startedAt: row.startedAt.toISOString(), error: row.error } : null,
    lastSucceededAt: lastGood?.at?.toISOString() ?? null,
  };
}
