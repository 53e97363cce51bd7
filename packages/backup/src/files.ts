import { createReadStream } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";

/** The embedded PostgreSQL password belongs to this host's cluster, not to the backup. */
export const EXCLUDED_KEY_FILES = new Set(["postgres.password"]);

/** Regular files under a directory, depth first in name order, as archive-relative paths with "/". */
export async function* walkFiles(root: string): AsyncGenerator<{ path: string; relativePath: string }> {
  let entries: string[];
  try {
    entries = (await readdir(root)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  yield* walkBelow(root, root, entries);
}

async function* walkBelow(root: string, dir: string, names: string[]): AsyncGenerator<{ path: string; relativePath: string }> {
  for (const name of names) {
    const path = join(dir, name);
    const stat = await lstat(path);
    if (stat.isDirectory()) yield* walkBelow(root, path, (await readdir(path)).sort());
    else if (stat.isFile()) yield { path, relativePath: relative(root, path).split(sep).join("/") };
  }
}

export function openFile(path: string): AsyncIterable<Buffer> {
  return createReadStream(path, { highWaterMark: 256 * 1024 });
}
