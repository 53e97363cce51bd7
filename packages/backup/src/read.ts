import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { loadMigrations } from "@citadel/db";
import { decryptStream, describeOpenpgpError, type Unsealing } from "./crypto";
import { countByte } from "./entries";
import { BackupError } from "./errors";
import { type ArchiveHeader, type EntryStart, FORMAT_VERSION, type Manifest, type ManifestEntry } from "./format";
import { readRecords } from "./records";

/** Where one entry's bytes go while reading (restore writes them; verify only hashes). */
export interface EntrySink {
  write(chunk: Buffer): Promise<void>;
  end(): Promise<void>;
}

export interface ArchiveVisitor {
  /** Called once, before any entry; throw to refuse the archive. */
  header?(header: ArchiveHeader): Promise<void>;
  entry?(start: EntryStart): Promise<EntrySink | undefined>;
  /** Called when the manifest has been checked against every entry. */
  complete?(manifest: Manifest): Promise<void>;
  /** Progress: plaintext bytes read so far. */
  progress?(bytes: number, entry: string | undefined): void;
}

export interface ReadOptions {
  file: string;
  unsealing: Unsealing;
  migrationsDir?: string;
}

/**
 * Reads an archive end to end: decrypts, decompresses, checks the header against this code
 * (format and migration known), hashes every entry and compares the result with the manifest.
 * Any failure — wrong key, flipped byte, cut file, mismatch — is a BackupError with one line.
 */
export async function readArchive(
  options: ReadOptions,
  visitor: ArchiveVisitor = {},
): Promise<{ header: ArchiveHeader; manifest: Manifest }> {
  const knownMigrations = (await loadMigrations(options.migrationsDir)).map((m) => m.tag);
  const source = createReadStream(options.file);
  const openFailure = new Promise<never>((_, reject) => source.once("error", (error) => reject(fileError(options.file, error))));
  openFailure.catch(() => undefined);
  const plain = await Promise.race([decryptStream(source, options.unsealing), openFailure]);
  const gunzip = createGunzip();
  plain.on("error", (error) => gunzip.destroy(error));
  plain.pipe(gunzip);
  try {
    return await consume(gunzip, knownMigrations, visitor);
  } catch (error) {
    throw streamError(error);
  } finally {
    source.destroy();
    plain.destroy();
    gunzip.destroy();
  }
}

async function consume(gunzip: Readable, knownMigrations: string[], visitor: ArchiveVisitor) {
  let header: ArchiveHeader | undefined;
  let manifest: Manifest | undefined;
  let current:
    | { start: EntryStart; hash: ReturnType<typeof createHash>; size: number; rows: number; sink?: EntrySink }
    | undefined;
  const seen: ManifestEntry[] = [];
  let bytes = 0;
  for await (const { type, payload } of readRecords(gunzip)) {
    bytes += payload.length + 5;
    if (manifest) throw new BackupError("the backup is damaged (data after the manifest)");
    if (!header) {
      if (type !== "H") throw new BackupError("the backup is damaged (no header)");
      header = JSON.parse(payload.toString("utf8")) as ArchiveHeader;
      checkCompatible(header, knownMigrations);
      await visitor.header?.(header);
      continue;
    }
    if (type === "E") {
      if (current) throw new BackupError("the backup is damaged (an entry is not closed)");
      const start = JSON.parse(payload.toString("utf8")) as EntryStart;
      current = { start, hash: createHash("sha256"), size: 0, rows: 0, sink: await visitor.entry?.(start) };
    } else if (type === "D") {
      if (!current) throw new BackupError("the backup is damaged (data outside an entry)");
      current.hash.update(payload);
      current.size += payload.length;
      if (current.start.kind === "table") current.rows += countByte(payload, 0x0a);
      await current.sink?.write(payload);
      visitor.progress?.(bytes, current.start.name);
    } else if (type === "Z") {
      if (!current) throw new BackupError("the backup is damaged (an entry end without a start)");
      await current.sink?.end();
      const { start, hash, size, rows } = current;
      seen.push({ ...start, size, sha256: hash.digest("hex"), ...(start.kind === "table" ? { rows } : {}) });
      current = undefined;
    } else if (type === "M") {
      if (current) throw new BackupError("the backup is damaged (an entry is not closed)");
      manifest = JSON.parse(payload.toString("utf8")) as Manifest;
      checkManifest(header, manifest, seen);
    } else {
      throw new BackupError("the backup is damaged (a second header)");
    }
  }
  if (!header || !manifest) throw new BackupError("the backup is truncated (the manifest is missing)");
  await visitor.complete?.(manifest);
  return { header, manifest };
}

function checkCompatible(header: ArchiveHeader, knownMigrations: string[]): void {
  if (typeof header.formatVersion !== "number" || header.formatVersion > FORMAT_VERSION) {
    throw new BackupError(
      `this backup was made by a newer Citadel (${header.citadelVersion}, archive format ${header.formatVersion}); restore it with that version or later`,
    );
  }
  if (!knownMigrations.includes(header.migration)) {
    throw new BackupError(
      `this backup was made by a newer Citadel (${header.citadelVersion}, migration ${header.migration} is unknown here); restore it with that version or later`,
    );
  }
}

function checkManifest(header: ArchiveHeader, manifest: Manifest, seen: ManifestEntry[]): void {
  for (const key of ["formatVersion", "citadelVersion", "migration", "createdAt", "includesObjects"] as const) {
    if (manifest[key] !== header[key])
      throw new BackupError(`the backup is damaged (the manifest's ${key} differs from the header's)`);
  }
  if (!Array.isArray(manifest.entries) || manifest.entries.length !== seen.length) {
    throw new BackupError("the backup is damaged (the manifest lists other entries than the archive holds)");
  }
  manifest.entries.forEach((listed, index) => {
    const found = seen[index];
    if (!found || found.name !== listed.name || found.kind !== listed.kind) {
      throw new BackupError(`the backup is damaged (entry ${listed.name} is missing or out of place)`);
    }
    if (found.size !== listed.size || found.sha256 !== listed.sha256 || found.rows !== listed.rows) {
      throw new BackupError(`the backup is damaged (checksum mismatch in ${listed.name})`);
    }
  });
  const tables = header.tables.map((t) => t.name);
  const tableEntries = seen.filter((e) => e.kind === "table").map((e) => e.name);
  if (tables.join("\n") !== tableEntries.join("\n")) throw new BackupError("the backup is damaged (tables missing)");
}

function fileError(file: string, error: unknown): BackupError {
  const code = (error as NodeJS.ErrnoException).code;
  return new BackupError(`cannot read ${file}: ${code === "ENOENT" ? "no such file" : (code ?? String(error))}`);
}

function streamError(error: unknown): BackupError {
  if (error instanceof BackupError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "Z_BUF_ERROR" || /unexpected end of file/i.test(String(error))) {
    return new BackupError("the backup is truncated (the file ends early)");
  }
  if (typeof code === "string" && code.startsWith("Z_")) {
    return new BackupError("the backup is damaged or was tampered with (decompression failed)");
  }
  if (error instanceof SyntaxError) return new BackupError("the backup is damaged (unreadable header or manifest)");
  return describeOpenpgpError(error);
}

export async function verifyBackup(options: ReadOptions): Promise<Manifest> {
  return (await readArchive(options)).manifest;
}
