import { integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const builders = pgTable("builders", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  host: text("host").notNull(),
  runtime: text("runtime").notNull(),
  version: text("version").notNull(),
  state: text("state", { enum: ["active", "draining", "offline", "deregistered"] }).notNull(),
  slotsTotal: integer("slots_total").notNull(),
  slotsUsed: integer("slots_used").notNull().default(0),
  /** SHA-256 of the builder's long-lived credential. */
  credentialHash: text("credential_hash").notNull().unique(),
  /** Commands waiting for the next heartbeat (`drain`, ...). */
  pendingCommands: jsonb("pending_commands").$type<Array<Record<string, unknown>>>().notNull().default([]),
  lastHeartbeatAt: timestamp("last_heartbeat_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Single-use, expiring tokens that let a builder register; only a SHA-256 is stored. */
export const joinTokens = pgTable("join_tokens", {
  id: uuid("id").primaryKey().defaultRandom(),
  tokenHash: text("token_hash").notNull().unique(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  usedAt: timestamp("used_at", { withTimezone: true }),
  usedBy: uuid("used_by"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export type Builder = typeof builders.$inferSelect;
