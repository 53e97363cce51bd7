import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { latestMigrationTag } from "@citadel/db";
import type { Sql, TransactionSql } from "postgres";
import { encryptStream, type Sealing } from "./crypto";
import { entryRecords } from "./entries";
import { EXCLUDED_KEY_FILES, openFile, walkFiles } from "./files";
import { type ArchiveHeader, FORMAT_VERSION, jsonRecord, MAGIC, type Manifest, type ManifestEntry } from "./format";
import { columnList, listTables, quoteIdent } from "./schema";
import { citadelVersion } from "./version";

export interface BackupProgress {
  phase: "tables" | "keys" | "objects" | "done";
  tablesDone: number;
  tablesTotal: number;
  /** Bytes of the archive written so far (compressed and encrypted). */
  bytesWritten: number;
  entry?: string;
}

export interface CreateBackupOptions {
  sql: Sql;
  /** The appliance data dir: keys/ and objects/ are read from it. */
  dataDir: string;
  /** The archive file; written as FILE.partial and renamed when complete. */
  out: string;
  sealing: Sealing;
  includeObjects?: boolean;
  onProgress?(progress: BackupProgress): void;
  /** The backups row recorded for this archive, if any. */
  backupId?: string;
  /** Where the migrations live (tests simulate other versions). */
  migrationsDir?: string;
}

export interface CreatedBackup {
  file: string;
  sizeBytes: number;
  manifest: Manifest;
}

/**
 * Streams one archive: every table through COPY inside one REPEATABLE READ read-only
 * transaction (a consistent snapshot that blocks no writer), then the keyring and the object
 * store, gzip-compressed and OpenPGP-encrypted, straight to disk. Memory stays flat.
 */
export async function createBackup(options: CreateBackupOptions): Promise<CreatedBackup> {
  const partial = `${options.out}.partial`;
  const includesObjects = options.includeObjects ?? true;
  const progress: BackupProgress = { phase: "tables", tablesDone: 0, tablesTotal: 0, bytesWritten: 0 };
  const report = () => options.onProgress?.({ ...progress });
  try {
    const manifest = await options.sql.begin("isolation level repeatable read read only", async (tx) => {
      const tables = await listTables(tx);
      progress.tablesTotal = tables.length;
      const header: ArchiveHeader = {
        formatVersion: FORMAT_VERSION,
        citadelVersion: await citadelVersion(),
        migration: await latestMigrationTag(options.migrationsDir),
        createdAt: new Date().toISOString(),
        includesObjects,
        ...(options.backupId ? { backupId: options.backupId } : {}),
        tables,
      };
      const entries: ManifestEntry[] = [];
      const { tables: _tables, ...manifestHead } = header;
      const finalManifest: Manifest = { ...manifestHead, entries };
      async function* archive(): AsyncGenerator<Buffer> {
        yield MAGIC;
        yield jsonRecord("H", header);
        for (const table of tables) {
          progress.entry = table.name;
          report();
          yield* entryRecords({ name: table.name, kind: "table" }, () => copyOut(tx, table.name, table.columns), entries);
          progress.tablesDone++;
        }
        progress.phase = "keys";
        for await (const file of walkFiles(join(options.dataDir, "keys"))) {
          if (EXCLUDED_KEY_FILES.has(file.relativePath)) continue;
          yield* entryRecords({ name: `keys/${file.relativePath}`, kind: "file" }, () => openFile(file.path), entries);
        }
        if (includesObjects) {
          progress.phase = "objects";
          for await (const file of walkFiles(join(options.dataDir, "objects"))) {
            progress.entry = file.relativePath;
            report();
            yield* entryRecords({ name: `objects/${file.relativePath}`, kind: "file" }, () => openFile(file.path), entries);
          }
        }
        yield jsonRecord("M", finalManifest);
      }
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          progress.bytesWritten += chunk.length;
          done(null, chunk);
        },
      });
      const gzip = createGzip();
      // An error in the archive (a COPY failing, a file vanishing) destroys gzip, which fails the encryption and the write.
      const compressing = pipeline(Readable.from(archive()), gzip);
      const encrypted = await encryptStream(gzip, options.sealing);
      await Promise.all([compressing, pipeline(encrypted, counter, createWriteStream(partial, { mode: 0o600 }))]);
      return finalManifest;
    });
    await rename(partial, options.out);
    progress.phase = "done";
    report();
    return { file: options.out, sizeBytes: progress.bytesWritten, manifest };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

async function* copyOut(tx: TransactionSql, table: string, columns: string[]): AsyncGenerator<Buffer> {
  const stream = await tx.unsafe(`copy ${quoteIdent(table)} (${columnList(columns)}) to stdout`).readable();
  try {
    yield* stream as AsyncIterable<Buffer>;
  } finally {
    // postgres.js 3.4 pauses the connection's socket when a COPY stream's buffer is full and
    // resumes it only from the stream's read(); when the end arrives in the same packet,
    // nothing reads again and the next query on the connection hangs. Resume it ourselves.
    (stream as unknown as { _read(size: number): void })._read(0);
  }
}
