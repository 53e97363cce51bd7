import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import type { ReservedSql, Sql } from "postgres";
import { DatabaseError, MigrationError } from "./errors";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../migrations", import.meta.url));
const STATEMENT_BREAK = "--> statement-breakpoint";
/** Serialises concurrent starts (several services instances) on one database. */
const MIGRATION_LOCK_ID = 0x63_69_74_61; // "cita"

interface JournalEntry {
  idx: number;
  tag: string;
}

export interface Migration {
  tag: string;
  sql: string;
  hash: string;
}

/** The migrations drizzle-kit generated, in order, read from its journal. */
export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const journal = JSON.parse(await readFile(join(dir, "meta", "_journal.json"), "utf8")) as { entries: JournalEntry[] };
  const entries = [...journal.entries].sort((a, b) => a.idx - b.idx);
  return Promise.all(
    entries.map(async ({ tag }) => {
      const text = await readFile(join(dir, `${tag}.sql`), "utf8");
      return { tag, sql: text, hash: createHash("sha256").update(text).digest("hex") };
    }),
  );
}

/** The newest migration this code knows; backups record it to compare versions. */
export async function latestMigrationTag(dir = MIGRATIONS_DIR): Promise<string> {
  const all = await loadMigrations(dir);
  return all.at(-1)?.tag ?? "";
}

/**
 * Applies pending migrations, each in its own transaction, so a failure names the
 * migration that failed and leaves the ones before it applied. A database migrated by
 * a newer Citadel (a tag this code does not know) is refused rather than touched.
 */
export async function migrate(sql: Sql, logger: Logger, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = await loadMigrations(dir);
  const reserved = await sql.reserve();
  try {
    await reserved`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    await reserved`
      create table if not exists citadel_migrations (
        tag text primary key,
        hash text not null,
        applied_at timestamptz not null default now()
      )`;
    const applied = await reserved<{ tag: string; hash: string }[]>`select tag, hash from citadel_migrations`;
    const known = new Set(migrations.map((m) => m.tag));
    const unknown = applied.filter((row) => !known.has(row.tag));
    if (unknown.length > 0) {
      throw new DatabaseError(
        `the database was migrated by a newer Citadel (unknown migration ${unknown[0]?.tag}); run that version or restore a matching backup`,
      );
    }
    const appliedHashes = new Map(applied.map((row) => [row.tag, row.hash]));
    const done: string[] = [];
    for (const migration of migrations) {
      const previousHash = appliedHashes.get(migration.tag);
      if (previousHash !== undefined) {
        if (previousHash !== migration.hash) {
          logger.warn({ migration: migration.tag }, "an applied migration file has changed since it ran");
        }
        continue;
      }
      await applyOne(reserved, migration);
      logger.info({ migration: migration.tag }, "migration applied");
      done.push(migration.tag);
    }
    return done;
  } finally {
    await reserved`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`.catch((error: unknown) =>
      logger.warn({ err: error }, "could not release the migration lock; it ends with the connection"),
    );
    reserved.release();
  }
}

async function applyOne(connection: ReservedSql, migration: Migration): Promise<void> {
  const statements = migration.sql
    .split(STATEMENT_BREAK)
    .map((s) => s.trim())
    .filter(Boolean);
  // Explicit BEGIN/COMMIT: a reserved connection (which holds the advisory lock) has no begin().
  await connection`begin`;
  try {
    for (const statement of statements) await connection.unsafe(statement);
    await connection`insert into citadel_migrations (tag, hash) values (${migration.tag}, ${migration.hash})`;
    await connection`commit`;
  } catch (error) {
    await connection`rollback`;
    throw new MigrationError(migration.tag, error instanceof Error ? error.message : String(error));
  }
}
