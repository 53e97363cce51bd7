import { posix } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { extract, type Header, pack } from "tar-stream";

/** One tar from the engine's archive API, with how its entry names map into the combined archive. */
export interface ArchiveSource {
  /** Opened only when its turn comes, so every open stream has its error handled. */
  open(): Promise<NodeJS.ReadableStream>;
  /** The new entry name, or null to leave the entry out. */
  rename(name: string): string | null;
}

/**
 * Streams several engine tars as one archive with renamed entries (nothing is buffered whole):
 * caches get absolute paths, workspaces paths under their root, artifacts their artifact paths.
 * Sources are opened and read one after the other; when the result is destroyed early (the upload
 * failed), the open source is destroyed too, so no engine connection is left open.
 */
export function combineArchives(sources: readonly ArchiveSource[], options: { gzip: boolean }): Readable {
  const packer = pack();
  const tar = Readable.from(packer as AsyncIterable<Buffer>);
  const output = options.gzip ? tar.pipe(createGzip()) : tar;
  if (options.gzip) tar.on("error", (error) => output.destroy(error));
  let current: NodeJS.ReadableStream | null = null;
  output.once("close", () => {
    if (output.readableEnded) return;
    packer.destroy();
    if (current) destroy(current);
  });
  void (async () => {
    for (const source of sources) {
      const entries = extract();
      current = await source.open();
      current.on("error", (error: Error) => entries.destroy(error));
      current.pipe(entries as unknown as NodeJS.WritableStream);
      for await (const entry of entries) {
        const header = renamed(entry.header, source);
        if (header === null) {
          entry.resume();
          continue;
        }
        await new Promise<void>((resolve, reject) => {
          const sink = packer.entry(header, (error) => (error ? reject(error) : resolve()));
          entry.pipe(sink);
        });
      }
    }
    packer.finalize();
  })().catch((error: unknown) => output.destroy(error as Error));
  return output;
}

export function destroy(stream: NodeJS.ReadableStream): void {
  (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
}

/** The gunzipped content of a download; a failure of either reaches whoever reads the result. */
export function gunzipped(download: Readable): Readable {
  const out = new PassThrough();
  pipeline(download, createGunzip(), out).catch((error: unknown) => out.destroy(error as Error));
  return out;
}

function renamed(header: Header, source: ArchiveSource): Header | null {
  const name = source.rename(header.name.replace(/\/$/, ""));
  if (name === null || name === "") return null;
  // The pax record would otherwise carry the old path into the new archive.
  const { path: _path, linkpath: _linkpath, ...pax } = (header.pax ?? {}) as Record<string, string>;
  const next: Header = { ...header, name: header.type === "directory" ? `${name}/` : name, pax };
  if (header.type === "link" && header.linkname) next.linkname = source.rename(header.linkname) ?? header.linkname;
  return next;
}

/**
 * Entry names from the engine start with the basename of the path asked for; this maps them under
 * `prefix` instead (`''` = the archive's root), keeping the rest of the name.
 */
export function underPrefix(prefix: string): (name: string) => string | null {
  return (name) => {
    const rest = name.split("/").slice(1).join("/");
    const joined = rest === "" ? prefix : prefix === "" ? rest : `${prefix}/${rest}`;
    const normalized = posix.normalize(joined);
    return normalized === "." || normalized.startsWith("..") ? null : normalized;
  };
}
