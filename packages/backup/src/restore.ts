import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { copyFile, mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { loadMigrations } from "@citadel/db";
import type { Sql, TransactionSql } from "postgres";
import type { Unsealing } from "./crypto";
import { BackupError } from "./errors";
import { EXCLUDED_KEY_FILES } from "./files";
import type { ArchiveHeader, EntryStart, Manifest } from "./format";
import { type EntrySink, readArchive } from "./read";
import { columnList, listTables, MIGRATIONS_TABLE, quoteIdent } from "./schema";

export interface RestoreProgress {
  phase: "verifying" | "restoring" | "done";
  /** Plaintext bytes read in the current phase. */
  bytes: number;
  entry?: string;
}

export interface RestoreBackupOptions {
  sql: Sql;
  /** keys/ and objects/ are replaced here. */
  dataDir: string;
  file: string;
  unsealing: Unsealing;
  onProgress?(progress: RestoreProgress): void;
  migrationsDir?: string;
}

export interface RestoreResult {
  manifest: Manifest;
  /** Jobs that were running in the backup: re-queued for one retry, or infrastructure_fail when already retried. */
  requeuedJobs: number;
  failedJobs: number;
  /** Migrations applied on top of the backup's schema (it came from an older Citadel). */
  migrated: string[];
}

const RESTORED_REASON = "infrastructure_fail: the appliance was restored from a backup taken while this job ran";
const SPLIT = "--> statement-breakpoint";

/**
 * Verifies the whole archive first, then restores in a second pass: the database inside ONE
 * transaction (all or nothing), keys and objects into a staging dir beside them; only when the
 * manifest checks out and the transaction commits are the staged dirs swapped in by rename.
 * A backup from an older Citadel is loaded into its own schema (the migrations up to its one),
 * then migrated forward — in the same transaction.
 */
export async function restoreBackup(options: RestoreBackupOptions): Promise<RestoreResult> {
  const read = { file: options.file, unsealing: options.unsealing, migrationsDir: options.migrationsDir };
  options.onProgress?.({ phase: "verifying", bytes: 0 });
  await readArchive(read, { progress: (bytes, entry) => options.onProgress?.({ phase: "verifying", bytes, entry }) });

  const staging = join(options.dataDir, `.restore-${randomBytes(6).toString("hex")}`);
  await mkdir(join(staging, "keys"), { recursive: true, mode: 0o700 });
  await mkdir(join(staging, "objects"), { recursive: true });
  const migrations = await loadMigrations(options.migrationsDir);
  try {
    const result = await options.sql.begin(async (tx) => {
      let migrated: string[] = [];
      let header: ArchiveHeader | undefined;
      const { manifest } = await readArchive(read, {
        header: async (h) => {
          header = h;
          await databaseStep("emptying the database", () => prepareSchema(tx, h.migration, migrations));
        },
        entry: async (start) => {
          if (start.kind === "table") {
            const table = header?.tables.find((t) => t.name === start.name);
            if (!table) throw new BackupError(`the backup is damaged (table ${start.name} is not in its header)`);
            return tableSink(tx, table.name, table.columns);
          }
          return fileSink(staging, start);
        },
        complete: async () => {
          await databaseStep("resetting sequences", () => resetSequences(tx));
          migrated = await databaseStep("migrating the restored data", () => migrateForward(tx, migrations));
        },
        progress: (bytes, entry) => options.onProgress?.({ phase: "restoring", bytes, entry }),
      });
      const jobs = await requeueRunningJobs(tx);
      if (header?.backupId) await markArchiveSucceeded(tx, header.backupId, header.createdAt, (await stat(options.file)).size);
      await failRunningBackups(tx);
      return { manifest, migrated, ...jobs };
    });
    await swapInto(options.dataDir, staging, "keys", async (incoming) => {
      for (const excluded of EXCLUDED_KEY_FILES) {
        await copyFile(join(options.dataDir, "keys", excluded), join(incoming, excluded)).catch((error: unknown) => {
          if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        });
      }
    });
    if (result.manifest.includesObjects) await swapInto(options.dataDir, staging, "objects");
    options.onProgress?.({ phase: "done", bytes: 0 });
    return result;
  } catch (error) {
    throw restoreError(error);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Empties every table (same schema) or rebuilds the schema at the backup's migration (older backup). */
async function prepareSchema(tx: TransactionSql, migration: string, migrations: { tag: string; sql: string; hash: string }[]) {
  const latest = migrations.at(-1)?.tag;
  if (migration === latest) {
    const tables = await listTables(tx);
    if (tables.length > 0)
      await tx.unsafe(`truncate ${tables.map((t) => quoteIdent(t.name)).join(", ")} restart identity cascade`);
    return;
  }
  await tx.unsafe("drop schema public cascade");
  await tx.unsafe("create schema public");
  await tx.unsafe(
    `create table ${MIGRATIONS_TABLE} (tag text primary key, hash text not null, applied_at timestamptz not null default now())`,
  );
  for (const m of migrations) {
    await applyMigration(tx, m);
    if (m.tag === migration) break;
  }
}

async function migrateForward(tx: TransactionSql, migrations: { tag: string; sql: string; hash: string }[]): Promise<string[]> {
  const applied = new Set((await tx<{ tag: string }[]>`select tag from ${tx(MIGRATIONS_TABLE)}`).map((r) => r.tag));
  const done: string[] = [];
  for (const m of migrations) {
    if (applied.has(m.tag)) continue;
    await applyMigration(tx, m);
    done.push(m.tag);
  }
  return done;
}

async function applyMigration(tx: TransactionSql, m: { tag: string; sql: string; hash: string }): Promise<void> {
  for (const statement of m.sql
    .split(SPLIT)
    .map((s) => s.trim())
    .filter(Boolean))
    await tx.unsafe(statement);
  await tx`insert into ${tx(MIGRATIONS_TABLE)} (tag, hash) values (${m.tag}, ${m.hash})`;
}

async function tableSink(tx: TransactionSql, table: string, columns: string[]): Promise<EntrySink> {
  const stream = await tx.unsafe(`copy ${quoteIdent(table)} (${columnList(columns)}) from stdin`).writable();
  return writableSink(stream, `table ${table}`);
}

async function fileSink(staging: string, start: EntryStart): Promise<EntrySink> {
  const parts = start.name.split("/");
  const [area] = parts;
  if ((area !== "keys" && area !== "objects") || parts.length < 2 || parts.some((p) => p === ".." || p === "." || p === "")) {
    throw new BackupError(`the backup is damaged (unexpected entry ${start.name})`);
  }
  const target = join(staging, ...parts);
  await mkdir(dirname(target), { recursive: true });
  return writableSink(createWriteStream(target, { mode: area === "keys" ? 0o600 : 0o644 }), start.name);
}

function writableSink(stream: Writable, what: string): EntrySink {
  const failed = (error: unknown) =>
    new BackupError(`the restore failed and changed nothing: restoring ${what}: ${describe(error)}`);
  return {
    write: async (chunk) => {
      try {
        if (!stream.write(chunk)) await once(stream, "drain");
      } catch (error) {
        throw failed(error);
      }
    },
    end: async () => {
      try {
        stream.end();
        await finished(stream);
      } catch (error) {
        throw failed(error);
      }
    },
  };
}

/** serial/identity sequences continue after the restored rows. */
async function resetSequences(tx: TransactionSql): Promise<void> {
  const sequences = await tx<{ table_name: string; column_name: string; sequence: string }[]>`
    select table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name) as sequence
    from information_schema.columns
    where table_schema = 'public' and pg_get_serial_sequence(quote_ident(table_name), column_name) is not null`;
  for (const s of sequences) {
    await tx.unsafe(
      `select setval($1, coalesce((select max(${quoteIdent(s.column_name)}) from ${quoteIdent(s.table_name)}), 0) + 1, false)`,
      [s.sequence],
    );
  }
}

/** A job that was running when the backup was taken has no builder any more: retry it once, or fail it. */
async function requeueRunningJobs(tx: TransactionSql): Promise<{ requeuedJobs: number; failedJobs: number }> {
  const requeued = await tx`
    update jobs set status = 'queued', attempt = attempt + 1, status_reason = ${RESTORED_REASON},
      builder_id = null, lease_expires_at = null, started_at = null, queued_at = now()
    where status = 'running' and attempt < 2`;
  const failed = await tx`
    update jobs set status = 'infrastructure_fail', status_reason = ${RESTORED_REASON},
      lease_expires_at = null, stopped_at = now()
    where status = 'running'`;
  return { requeuedJobs: requeued.count, failedJobs: failed.count };
}

/** The archive being restored was still "running" in its own snapshot; it did finish. */
async function markArchiveSucceeded(tx: TransactionSql, id: string, createdAt: string, size: number): Promise<void> {
  await tx`update backups set status = 'succeeded', size_bytes = ${size}, finished_at = ${createdAt} where id = ${id} and status = 'running'`;
}

/** A backup that was being written when this one was taken never finished there. */
async function failRunningBackups(tx: TransactionSql): Promise<void> {
  await tx`update backups set status = 'failed', error = 'interrupted by a restore', finished_at = now() where status = 'running'`;
}

/** Replaces <data>/<name> by the staged copy with two renames; the old one goes only after. */
async function swapInto(dataDir: string, staging: string, name: string, beforeSwap?: (incoming: string) => Promise<void>) {
  const incoming = join(staging, name);
  await beforeSwap?.(incoming);
  const current = join(dataDir, name);
  const old = join(staging, `${name}.old`);
  await rename(current, old).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  });
  await rename(incoming, current);
}

/** Database failures inside the read loop keep their own words (not taken for a damaged archive). */
async function databaseStep<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new BackupError(`the restore failed and changed nothing: ${what}: ${describe(error)}`);
  }
}

function restoreError(error: unknown): BackupError {
  if (error instanceof BackupError) return error;
  return new BackupError(`the restore failed and changed nothing: ${describe(error)}`);
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOSPC") return "no space left on the device";
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}
