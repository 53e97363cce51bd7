import { createHash } from "node:crypto";
import { extract } from "tar-stream";
import { SandboxPathNotFoundError } from "../../errors";
import { inJob, type StepContext } from "./step-context";

/** A cache key template that cannot be evaluated; the step fails with this message. */
export class CacheKeyError extends Error {
  override name = "CacheKeyError";
}

const TEMPLATE = /\{\{\s*(.*?)\s*\}\}/g;

/**
 * Evaluates CircleCI's cache key templates: `{{ .Branch }}`, `{{ .Revision }}`, `{{ .BuildNum }}`,
 * `{{ .Environment.VAR }}`, `{{ checksum "FILE" }}` (base64 SHA-256 of the file in the job's
 * container), `{{ epoch }}` and `{{ arch }}`.
 */
export async function evaluateCacheKey(template: string, ctx: StepContext): Promise<string> {
  let result = "";
  let last = 0;
  for (const match of template.matchAll(TEMPLATE)) {
    result += template.slice(last, match.index);
    result += await evaluate(match[1] ?? "", ctx);
    last = (match.index ?? 0) + match[0].length;
  }
  return result + template.slice(last);
}

async function evaluate(expression: string, ctx: StepContext): Promise<string> {
  if (expression === ".Branch") return ctx.job.git.branch ?? "";
  if (expression === ".Revision") return ctx.job.git.revision ?? "";
  if (expression === ".BuildNum") return String(ctx.job.number);
  if (expression === "epoch") return String(Math.floor(Date.now() / 1000));
  if (expression === "arch") return `arch1-linux-${process.arch === "x64" ? "amd64" : process.arch}`;
  const variable = /^\.Environment\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(expression);
  if (variable) return ctx.env[variable[1] ?? ""] ?? "";
  const checksum = /^checksum\s+"([^"]+)"$/.exec(expression);
  if (checksum) return fileChecksum(checksum[1] ?? "", ctx);
  throw new CacheKeyError(`unknown cache key template {{ ${expression} }}`);
}

async function fileChecksum(file: string, ctx: StepContext): Promise<string> {
  let tar: NodeJS.ReadableStream;
  try {
    tar = await ctx.sandbox.copyOut(inJob(file, ctx.workingDirectory));
  } catch (error) {
    if (error instanceof SandboxPathNotFoundError) {
      throw new CacheKeyError(`cannot compute {{ checksum "${file}" }}: ${file} does not exist`);
    }
    throw error;
  }
  const entries = extract();
  tar.on("error", (error: Error) => entries.destroy(error));
  tar.pipe(entries as unknown as NodeJS.WritableStream);
  let digest: string | null = null;
  for await (const entry of entries) {
    if (digest === null && entry.header.type === "file") {
      const hash = createHash("sha256");
      for await (const chunk of entry) hash.update(chunk as Buffer);
      digest = hash.digest("base64");
    } else {
      entry.resume();
    }
  }
  if (digest === null) throw new CacheKeyError(`cannot compute {{ checksum "${file}" }}: it is not a regular file`);
  return digest;
}
