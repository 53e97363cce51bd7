import { type JobSpec, type LogChunk, MAX_LOG_CHUNK_CHARS } from "@citadel/protocol";
import type { Logger } from "pino";
import type { ServicesApi } from "../client/services-api";
import { SecretMasker } from "../masking/index";

/** Logs leave the box at most this long after they were printed. */
export const LOG_BATCH_MS = 250;
const MAX_CHUNKS_PER_CALL = 200;

/**
 * Masks a job's output and ships it in sequence-numbered chunks, batched every 250 ms. A chunk
 * the services box did not take is sent again with the same seq (stored once there).
 */
export class LogShipper {
  private seq = 0;
  private readonly pending: LogChunk[] = [];
  private readonly timer: NodeJS.Timeout;
  private sending: Promise<void> | null = null;

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

  private enqueue(step: number | null, text: string): void {
    for (let offset = 0; offset < text.length; offset += MAX_LOG_CHUNK_CHARS) {
      this.pending.push({ seq: this.seq++, step, data: text.slice(offset, offset + MAX_LOG_CHUNK_CHARS) });
    }
  }

  private ship(): Promise<void> {
    if (this.sending || this.pending.length === 0) return this.sending ?? Promise.resolve();
    const batch = this.pending.slice(0, MAX_CHUNKS_PER_CALL);
    this.sending = this.api
      .logChunks(this.job, batch)
      .then(() => {
        this.pending.splice(0, batch.length);
      })
      .catch((error: unknown) => this.logger.warn({ err: error, jobId: this.job.jobId }, "log chunks not delivered; retrying"))
      .finally(() => {
        this.sending = null;
      });
    return this.sending;
  }

  /** Sends everything still queued (retrying a few times); returns how many chunks the job produced. */
  async close(): Promise<number> {
    clearInterval(this.timer);
    for (let attempt = 0; attempt < 20 && (this.pending.length > 0 || this.sending); attempt++) {
      await this.ship();
      if (this.pending.length > 0) await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
    }
    return this.seq;
  }
}
