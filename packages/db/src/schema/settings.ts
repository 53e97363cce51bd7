import { jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** Appliance-wide settings as key/value documents (hostname, source control, ...). */
export const settings = pgTable("settings", {
  key: text("key").primaryKey(),
  value: jsonb("value").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type Setting = typeof settings.$inferSelect;
