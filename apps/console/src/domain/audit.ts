import { createHash } from "node:crypto";
import type { DbOrTx } from "@citadel/db";
import { type AuditRow, auditLog } from "@citadel/db/schema";
import { asc, desc, sql } from "drizzle-orm";

const AUDIT_LOCK_ID = 0x61_75_64_74; // "audt": one writer at a time keeps the chain linear
export const GENESIS_HASH = "0".repeat(64);

export interface AuditEntry {
  actor: string;
  action: string;
  target?: string | null;
  details?: Record<string, unknown>;
  ip?: string | null;
}

/** JSON with sorted keys, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

export function auditHash(
  prevHash: string,
  row: Pick<AuditRow, "at" | "actor" | "action" | "target" | "details" | "ip">,
): string {
  const content = canonicalJson({
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    target: row.target ?? null,
    details: row.details,
    ip: row.ip ?? null,
  });
  return createHash("sha256").update(prevHash).update(content).digest("hex");
}

/** Appends one entry to the hash chain. */
export async function recordAudit(db: DbOrTx, entry: AuditEntry): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK_ID})`);
    const [last] = await tx.select({ hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.id)).limit(1);
    const prevHash = last?.hash ?? GENESIS_HASH;
    // A JS Date has millisecond precision, as does the column: what is hashed is what is read back.
    const at = new Date();
    const row = {
      at,
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? null,
      details: entry.details ?? {},
      ip: entry.ip ?? null,
    };
    await tx.insert(auditLog).values({ ...row, prevHash, hash: auditHash(prevHash, row) });
  });
}

export type ChainVerdict = { ok: true; rows: number } | { ok: false; rows: number; brokenAt: number; reason: string };

/** Walks the whole chain in id order; reports the first row whose link or content does not hold. */
export async function verifyAuditChain(db: DbOrTx, batchSize = 1000): Promise<ChainVerdict> {
  let prevHash = GENESIS_HASH;
  let lastId = 0;
  let rows = 0;
  while (true) {
    const batch = await db
      .select()
      .from(auditLog)
      .where(sql`${auditLog.id} > ${lastId}`)
      .orderBy(asc(auditLog.id))
      .limit(batchSize);
    if (batch.length === 0) return { ok: true, rows };
    for (const row of batch) {
      if (row.prevHash !== prevHash) {
        return {
          ok: false,
          rows,
          brokenAt: row.id,
          reason: "its link to the previous row is wrong (a row was removed or inserted)",
        };
      }
      if (auditHash(prevHash, row) !== row.hash) {
        return { ok: false, rows, brokenAt: row.id, reason: "its content does not match its hash (the row was altered)" };
      }
      prevHash = row.hash;
      lastId = row.id;
      rows++;
    }
  }
}
