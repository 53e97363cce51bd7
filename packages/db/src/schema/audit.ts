import { bigserial, index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Append-only, hash-chained record of admin actions: `hash` = sha256(prev_hash + canonical
 * content of this row). Rows are never updated or deleted (a trigger refuses it).
 */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true, precision: 3 }).notNull(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    target: text("target"),
    details: jsonb("details").$type<Record<string, unknown>>().notNull(),
    ip: text("ip"),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (table) => [index("audit_log_action_idx").on(table.action), index("audit_log_at_idx").on(table.at)],
);

export type AuditRow = typeof auditLog.$inferSelect;
