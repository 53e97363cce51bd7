import { BackupError } from "./errors";
import { MAGIC, MAX_RECORD, type RecordType } from "./format";

export interface ArchiveRecord {
  type: RecordType;
  payload: Buffer;
}

const TYPES = new Set(["H", "E", "D", "Z", "M"]);
/** The manifest lists every object file, so it may be large; data records are small by construction. */
const MAX_MANIFEST = 512 * 1024 * 1024;

function limitFor(type: string): number {
  return type === "M" || type === "H" ? MAX_MANIFEST : MAX_RECORD * 2;
}

/** Splits the decrypted, decompressed byte stream into records, holding at most one record in memory. */
export async function* readRecords(source: AsyncIterable<Buffer>): AsyncGenerator<ArchiveRecord> {
  let chunks: Buffer[] = [];
  let buffered = 0;
  let magicSeen = false;
  const take = (n: number): Buffer => {
    const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    chunks = rest.length > 0 ? [rest] : [];
    buffered = rest.length;
    return out;
  };
  const peek = (n: number): Buffer => {
    if (chunks.length > 1) chunks = [Buffer.concat(chunks)];
    return (chunks[0] as Buffer).subarray(0, n);
  };
  for await (const chunk of source) {
    chunks.push(chunk);
    buffered += chunk.length;
    if (!magicSeen) {
      if (buffered < MAGIC.length) continue;
      if (!take(MAGIC.length).equals(MAGIC)) throw new BackupError("this file is not a Citadel backup");
      magicSeen = true;
    }
    while (buffered >= 5) {
      const head = peek(5);
      const type = head.toString("latin1", 0, 1);
      const length = head.readUInt32BE(1);
      if (!TYPES.has(type) || length > limitFor(type)) throw new BackupError("the backup is damaged (bad record framing)");
      if (buffered < 5 + length) break;
      const whole = take(5 + length);
      yield { type: type as RecordType, payload: Buffer.from(whole.subarray(5)) };
    }
  }
  if (!magicSeen) throw new BackupError("the backup is truncated or not a Citadel backup");
  if (buffered > 0) throw new BackupError("the backup is truncated (a record is cut short)");
}
