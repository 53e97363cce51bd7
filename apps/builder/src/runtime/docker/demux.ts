import { StringDecoder } from "node:string_decoder";
import type { OutputStream } from "../types";

/**
 * Splits the engine's multiplexed exec stream (8-byte header: stream type, 3 zero bytes, big-endian
 * length; then the payload) into stdout and stderr text, decoding UTF-8 per stream so a character cut
 * between frames comes out whole.
 */
export class ExecOutputDemuxer {
  private pending: Buffer = Buffer.alloc(0);
  private readonly decoders = { stdout: new StringDecoder("utf8"), stderr: new StringDecoder("utf8") };

  constructor(private readonly onOutput: (stream: OutputStream, chunk: string) => void) {}

  push(data: Buffer): void {
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    while (this.pending.length >= 8) {
      const length = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + length) break;
      const stream: OutputStream = this.pending[0] === 2 ? "stderr" : "stdout";
      this.emit(stream, this.decoders[stream].write(this.pending.subarray(8, 8 + length)));
      this.pending = this.pending.subarray(8 + length);
    }
  }

  /** Flushes a trailing partial character, if the stream ended inside one. */
  end(): void {
    this.emit("stdout", this.decoders.stdout.end());
    this.emit("stderr", this.decoders.stderr.end());
  }

  private emit(stream: OutputStream, text: string): void {
    if (text.length > 0) this.onOutput(stream, text);
  }
}
