import { bigserial, index, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Console sessions. The cookie is a signed token naming a row here; the row is checked on
 * every request so logout and password changes revoke sessions at once.
 * kind: `bootstrap` (one-time password, may only set the admin password and upload TLS) or `admin`.
 */
export const adminSessions = pgTable("admin_sessions", {
  id: text("id").primaryKey(),
  kind: text("kind", { enum: ["bootstrap", "admin"] }).notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  revokedAt: timestamp("revoked_at", { withTimezone: true }),
  ip: text("ip"),
});

/** Failed console logins, for the 10-in-10-minutes lockout. */
export const loginFailures = pgTable(
  "login_failures",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    ip: text("ip"),
  },
  (table) => [index("login_failures_at_idx").on(table.at)],
);

export type AdminSession = typeof adminSessions.$inferSelect;
