import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { HttpError } from "../http/errors";

export interface StoredObject {
  objectKey: string;
  size: number;
  sha256: string;
}

/**
 * Files under <data>/objects (artifacts, caches, workspaces), written to a temporary name and renamed
 * into place, so a failed upload or a full disk never leaves a half object behind a row.
 */
export class ObjectStore {
  constructor(readonly root: string) {}

  /** Keys are ours (area/uuid...), never a user's path. */
  newKey(area: "artifacts" | "caches" | "workspaces", owner: string): string {
    return `${area}/${owner}/${randomUUID()}`;
  }

  async write(objectKey: string, body: Readable, what: string): Promise<StoredObject> {
    const target = join(this.root, objectKey);
    const partial = `${target}.partial`;
    await mkdir(dirname(target), { recursive: true });
    const hash = createHash("sha256");
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, measure, createWriteStream(partial, { mode: 0o600 }));
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      throw storageError(error, what);
    }
    return { objectKey, size, sha256: hash.digest("hex") };
  }

  async open(objectKey: string): Promise<{ stream: Readable; size: number }> {
    const path = join(this.root, objectKey);
    try {
      const { size } = await stat(path);
      return { stream: createReadStream(path), size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new HttpError(410, "The stored object is gone from the object store (removed or not restored).");
      }
      throw error;
    }
  }

  /** Streams an object as the answer; a read failure midway cuts the response (the router logs it). */
  async send(res: ServerResponse, objectKey: string, headers: Record<string, string> = {}): Promise<void> {
    const object = await this.open(objectKey);
    res.writeHead(200, { "Content-Type": "application/octet-stream", ...headers, "Content-Length": String(object.size) });
    try {
      await pipeline(object.stream, res);
    } catch (error) {
      // The client went away mid-download: pipeline has closed the file; nothing else to do.
      if ((error as NodeJS.ErrnoException).code === "ERR_STREAM_PREMATURE_CLOSE") return;
      throw error;
    }
  }

  /**
   * Keeps a written object only if `record` (its database row) says so; a false answer (another job
   * recorded the same cache first) or a failure removes the file, so no object outlives its row.
   */
  async keepIf(objectKey: string, record: () => Promise<boolean>): Promise<boolean> {
    let kept = false;
    try {
      kept = await record();
      return kept;
    } finally {
      if (!kept) await this.remove(objectKey);
    }
  }

  async remove(objectKey: string): Promise<void> {
    await rm(join(this.root, objectKey), { force: true });
  }
}

function storageError(error: unknown, what: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new HttpError(507, `The services box ran out of disk space storing ${what}; nothing was kept.`);
  }
  if (code === "ECONNRESET" || code === "ERR_STREAM_PREMATURE_CLOSE" || (error as Error).name === "AbortError") {
    return new HttpError(400, `The upload of ${what} ended early; nothing was kept.`);
  }
  return error;
}
