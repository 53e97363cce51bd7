import { posix } from "node:path";
import { Readable } from "node:stream";
import type { DbOrTx } from "@citadel/db";
import { artifacts } from "@citadel/db/schema";
import { extract } from "tar-stream";
import { HttpError } from "../http/errors";
import type { ObjectStore } from "./object-store";

const MAX_ARTIFACT_PATH = 1000;

/**
 * Stores every regular file of an uploaded tar as one artifact of the job, named by its entry path.
 * Directories, links, devices and paths escaping upwards are skipped.
 */
export async function storeArtifacts(
  db: DbOrTx,
  store: ObjectStore,
  jobId: string,
  tar: Readable,
): Promise<{ files: number; bytes: number }> {
  const stored: Array<{ jobId: string; path: string; objectKey: string; size: number }> = [];
  const entries = extract();
  tar.on("error", (error) => entries.destroy(error));
  tar.pipe(entries);
  try {
    for await (const entry of entries) {
      const path = artifactPath(entry.header.name);
      if (entry.header.type !== "file" || path === null) {
        entry.resume();
        continue;
      }
      const object = await store.write(store.newKey("artifacts", jobId), Readable.from(entry), `the artifact ${path}`);
      stored.push({ jobId, path, objectKey: object.objectKey, size: object.size });
    }
  } catch (error) {
    await Promise.all(stored.map((s) => store.remove(s.objectKey)));
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, `The artifacts upload is not a readable tar archive: ${(error as Error).message}`);
  }
  if (stored.length > 0) {
    try {
      await db.insert(artifacts).values(stored);
    } catch (error) {
      await Promise.all(stored.map((s) => store.remove(s.objectKey)));
      throw error;
    }
  }
  return { files: stored.length, bytes: stored.reduce((sum, s) => sum + s.size, 0) };
}

function artifactPath(name: string): string | null {
  const normalized = posix.normalize(name.replace(/^\/+/, ""));
  if (normalized === "." || normalized.startsWith("../") || normalized === ".." || normalized.length > MAX_ARTIFACT_PATH) {
    return null;
  }
  return normalized.replace(/\/$/, "");
}
