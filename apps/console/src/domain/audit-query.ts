import type { DbOrTx } from "@citadel/db";
import { type AuditRow, auditLog } from "@citadel/db/schema";
import { and, desc, eq, gte, lt, lte, type SQL } from "drizzle-orm";

export interface AuditFilter {
  action?: string | undefined;
  actor?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  beforeId?: number | undefined;
  limit: number;
}

function whereOf(filter: Omit<AuditFilter, "limit">): SQL | undefined {
  const conditions: SQL[] = [];
  if (filter.action) conditions.push(eq(auditLog.action, filter.action));
  if (filter.actor) conditions.push(eq(auditLog.actor, filter.actor));
  if (filter.since) conditions.push(gte(auditLog.at, filter.since));
  if (filter.until) conditions.push(lte(auditLog.at, filter.until));
  if (filter.beforeId) conditions.push(lt(auditLog.id, filter.beforeId));
  return conditions.length > 0 ? and(...conditions) : undefined;
}

/** Newest first, keyset-paged by id. */
export async function listAudit(db: DbOrTx, filter: AuditFilter) {
  const rows = await db
    .select()
    .from(auditLog)
    .where(whereOf(filter))
    .orderBy(desc(auditLog.id))
    .limit(filter.limit + 1);
  const page = rows.slice(0, filter.limit);
  return {
    rows: page.map((row) => ({ ...row, at: row.at.toISOString() })),
    nextBeforeId: rows.length > filter.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

const CSV_COLUMNS = ["id", "at", "actor", "action", "target", "ip", "details", "prev_hash", "hash"] as const;

function csvField(value: string): string {
  // Quote everything; a leading = + - @ is prefixed so spreadsheets never run it as a formula.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replaceAll('"', '""')}"`;
}

function csvLine(row: AuditRow): string {
  return [
    String(row.id),
    row.at.toISOString(),
    row.actor,
    row.action,
    row.target ?? "",
    row.ip ?? "",
    JSON.stringify(row.details),
    row.prevHash,
    row.hash,
  ]
    .map(csvField)
    .join(",");
}

/** The filtered log as CSV, oldest first, produced in batches so memory stays flat. */
export async function* auditCsv(db: DbOrTx, filter: Omit<AuditFilter, "limit" | "beforeId">): AsyncGenerator<string> {
  yield `${CSV_COLUMNS.join(",")}\n`;
  let afterId = 0;
  while (true) {
    const where = and(whereOf(filter), gte(auditLog.id, afterId + 1));
    const batch = await db.select().from(auditLog).where(where).orderBy(auditLog.id).limit(1000);
    if (batch.length === 0) return;
    yield `${batch.map(csvLine).join("\n")}\n`;
    afterId = batch.at(-1)?.id ?? afterId;
  }
}
