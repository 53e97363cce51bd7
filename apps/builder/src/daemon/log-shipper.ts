import { type JobSpec, type LogChunk, MAX_BUILDER_BODY_BYTES, MAX_LOG_CHUNK_CHARS } from "@citadel/protocol";
import type { Logger } from "pino";
import type { ServicesApi } from "../client/services-api";
import { SecretMasker } from "../masking/index";

/** Logs leave the box at most this long after they were printed. */
export const LOG_BATCH_MS = 250;
const MAX_CHUNKS_PER_CALL = 200;
/** Room for the JSON around the chunks' data within the services box's body limit. */
const MAX_BATCH_BYTES = MAX_BUILDER_BODY_BYTES - 64 * 1024;
/** close() gives up after this many failed sends in a row (the services box stays unreachable). */
const MAX_FAILURES_IN_A_ROW = 20;

/**
 * Masks a job's output and ships it in sequence-numbered chunks, batched every 250 ms. A chunk
 * the services box did not take is sent again with the same seq (stored once there).
 */
export class LogShipper {
  private seq = 0;
  private readonly pending: LogChunk[] = [];
  private readonly timer: NodeJS.Timeout;
  private sending: Promise<void> | null = null;
  private failuresInARow = 0;
  /** Chunks up to this seq have been sent at least once (maybe stored): never merged into again. */
  private sentThrough = -1;

  constructor(
    private readonly api: ServicesApi,
    private readonly job: JobSpec,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.ship(), LOG_BATCH_MS);
  }

  /** A writer for one step's output (or null: output outside steps), masking as it goes. */
  stream(step: number | null): { write(text: string): void; end(): void } {
    const masker = new SecretMasker(this.job.secretValues);
    return {
      write: (text) => this.enqueue(step, masker.write(text)),
      end: () => this.enqueue(step, masker.end()),
    };
  }

  /** A line of the builder's own, e.g. why a step was skipped. Never contains secrets, masked anyway. */
  note(step: number | null, line: string): void {
    const out = this.stream(step);
    out.write(`${line}\n`);
    out.end();
  }

  /** Small writes of one step are merged into the last queued chunk, unless it was ever sent. */
  private enqueue(step: number | null, text: string): void {
    if (text === "") return;
    const last = this.pending.at(-1);
    if (last && last.seq > this.sentThrough && last.step === step && last.data.length + text.length <= MAX_LOG_CHUNK_CHARS) {
      last.data += text;
      return;
    }
    for (let offset = 0; offset < text.length; offset += MAX_LOG_CHUNK_CHARS) {
      this.pending.push({ seq: this.seq++, step, data: text.slice(offset, offset + MAX_LOG_CHUNK_CHARS) });
    }
  }

  /**
   * Sends what is queued, batch after batch (each within the services box's body limit) until the
   * queue is empty or a send fails; the timer or close() tries again after a failure.
   */
  private ship(): Promise<void> {
    this.sending ??= this.drain().finally(() => {
      this.sending = null;
    });
    return this.sending;
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.nextBatch();
      this.sentThrough = Math.max(this.sentThrough, batch.at(-1)?.seq ?? -1);
      try {
        await this.api.logChunks(this.job, batch);
      } catch (error) {
        this.failuresInARow++;
        this.logger.warn({ err: error, jobId: this.job.jobId }, "log chunks not delivered; retrying");
        return;
      }
      this.failuresInARow = 0;
      this.pending.splice(0, batch.length);
    }
  }

  /** The oldest chunks, as many as fit one request (at least one: a chunk alone always fits). */
  private nextBatch(): LogChunk[] {
    let bytes = 0;
    let count = 0;
    for (const chunk of this.pending) {
      const size = Buffer.byteLength(JSON.stringify(chunk.data)) + 64;
      if (count > 0 && (bytes + size > MAX_BATCH_BYTES || count >= MAX_CHUNKS_PER_CALL)) break;
      bytes += size;
      count++;
    }
    return this.pending.slice(0, count);
  }

  /** Sends everything still queued (retrying while sends keep failing, up to a limit); returns how many chunks the job produced. */
  async close(): Promise<number> {
    clearInterval(this.timer);
    this.failuresInARow = 0;
    while ((this.pending.length > 0 || this.sending) && this.failuresInARow < MAX_FAILURES_IN_A_ROW) {
      await this.ship();
      if (this.pending.length > 0 && this.failuresInARow > 0) {
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** this.failuresInARow)));
      }
    }
    return this.seq;
  }
}
