import { sql } from "drizzle-orm";
import { boolean, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/**
 * TLS certificates of the appliance (console :8800 and the services listener). The private
 * key is stored encrypted with the master keyring. Exactly one row is `active`.
 */
export const certificates = pgTable(
  "certificates",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    certificatePem: text("certificate_pem").notNull(),
    chainPem: text("chain_pem").notNull().default(""),
    privateKeyEncrypted: text("private_key_encrypted").notNull(),
    fingerprintSha256: text("fingerprint_sha256").notNull(),
    hostnames: text("hostnames").array().notNull(),
    notBefore: timestamp("not_before", { withTimezone: true }).notNull(),
    notAfter: timestamp("not_after", { withTimezone: true }).notNull(),
    selfSigned: boolean("self_signed").notNull(),
    active: boolean("active").notNull().default(false),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex("certificates_one_active").on(table.active).where(sql`${table.active}`)],
);

export type CertificateRow = typeof certificates.$inferSelect;
