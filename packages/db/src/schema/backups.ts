import { bigint, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/** Backups made by the console or on schedule (archives live in <data>/backups or a chosen dir). */
export const backups = pgTable("backups", {
  id: uuid("id").primaryKey().defaultRandom(),
  file: text("file").notNull(),
  status: text("status", { enum: ["running", "succeeded", "failed"] }).notNull(),
  trigger: text("trigger", { enum: ["console", "schedule", "cli"] }).notNull(),
  sizeBytes: bigint("size_bytes", { mode: "number" }),
  error: text("error"),
  manifest: jsonb("manifest").$type<Record<string, unknown>>(),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
  finishedAt: timestamp("finished_at", { withTimezone: true }),
});
