import { createHash } from "node:crypto";
import { type EntryStart, jsonRecord, type ManifestEntry, record } from "./format";

const DATA_RECORD = 256 * 1024;
const NEWLINE = 0x0a;

/**
 * One entry as records: its start, data in bounded records, its end. Size, sha256 and (for
 * COPY text, one row per line) the row count are computed on the way and appended to `entries`.
 */
export async function* entryRecords(
  start: EntryStart,
  open: () => Promise<AsyncIterable<Buffer | Uint8Array>> | AsyncIterable<Buffer | Uint8Array>,
  entries: ManifestEntry[],
): AsyncGenerator<Buffer> {
  yield jsonRecord("E", start);
  // Opened only now and read at once: a COPY stream left unread while the consumer is busy can miss its end.
  const data = await open();
  const hash = createHash("sha256");
  let size = 0;
  let rows = 0;
  let pending: Buffer[] = [];
  let pendingLength = 0;
  for await (const raw of data) {
    const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    hash.update(chunk);
    size += chunk.length;
    if (start.kind === "table") rows += countByte(chunk, NEWLINE);
    for (let offset = 0; offset < chunk.length; offset += DATA_RECORD) {
      const piece = chunk.subarray(offset, offset + DATA_RECORD);
      pending.push(piece);
      pendingLength += piece.length;
      if (pendingLength >= DATA_RECORD) {
        yield record("D", Buffer.concat(pending));
        pending = [];
        pendingLength = 0;
      }
    }
  }
  if (pendingLength > 0) yield record("D", Buffer.concat(pending));
  yield record("Z", Buffer.alloc(0));
  entries.push({ ...start, size, sha256: hash.digest("hex"), ...(start.kind === "table" ? { rows } : {}) });
}

export function countByte(buffer: Buffer, byte: number): number {
  let count = 0;
  let at = buffer.indexOf(byte);
  while (at !== -1) {
    count++;
    at = buffer.indexOf(byte, at + 1);
  }
  return count;
}
