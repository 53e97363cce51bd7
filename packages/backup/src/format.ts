/**
 * The archive's plaintext framing (inside gzip, inside OpenPGP). Records are
 * `type (1 byte) | length (uint32 BE) | payload`. An entry is `E{json}` followed by data
 * records `D` and an end `Z`, so entries stream without knowing their size up front (COPY
 * output size is only known when it ends — the reason this is not tar, which needs it first).
 * The archive opens with a header `H` (versions, tables) and closes with the manifest `M`
 * (every entry's size, sha256 and row count) and nothing after it.
 */
export const FORMAT_VERSION = 1;
export const MAGIC = Buffer.from("CITADEL-BACKUP\n");
export const MAX_RECORD = 1024 * 1024;

export type RecordType = "H" | "E" | "D" | "Z" | "M";

export interface TableInfo {
  name: string;
  columns: string[];
}

export interface ArchiveHeader {
  formatVersion: number;
  citadelVersion: string;
  migration: string;
  createdAt: string;
  includesObjects: boolean;
  /** The appliance's backups row for this archive: restore marks it succeeded (the snapshot saw it running). */
  backupId?: string;
  tables: TableInfo[];
}

export interface EntryStart {
  name: string;
  kind: "table" | "file";
}

export interface ManifestEntry extends EntryStart {
  size: number;
  sha256: string;
  rows?: number;
}

export interface Manifest extends Omit<ArchiveHeader, "tables"> {
  entries: ManifestEntry[];
}

export function record(type: RecordType, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, "latin1");
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

export function jsonRecord(type: RecordType, value: unknown): Buffer {
  return record(type, Buffer.from(JSON.stringify(value)));
}
