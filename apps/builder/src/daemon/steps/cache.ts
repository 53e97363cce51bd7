import { posix } from "node:path";
import type { RestoreCacheStep, SaveCacheStep } from "@citadel/pipeline";
import { combineArchives, gunzipped, underPrefix } from "./archive";
import { evaluateCacheKey } from "./cache-keys";
import { existingSources } from "./sources";
import { type BuiltInOutcome, formatBytes, inJob, type StepContext } from "./step-context";

/** save_cache: the paths as one gzipped tar of absolute paths, stored once per key (caches are immutable). */
export async function saveCache(step: SaveCacheStep, ctx: StepContext): Promise<BuiltInOutcome> {
  const key = await evaluateCacheKey(step.key, ctx);
  if ((await ctx.api.cacheLookup(ctx.job, [key], true)).key !== null) {
    ctx.out.write(`Skipping cache generation, cache already exists for key: ${key}\n`);
    return "success";
  }
  const paths = [];
  for (const path of step.paths) {
    const absolute = await ctx.sandbox.resolvePath(inJob(path, ctx.workingDirectory));
    paths.push({ path: absolute, rename: underPrefix(posix.normalize(absolute).replace(/^\/+/, "")) });
  }
  const sources = await existingSources(ctx, paths, (missing) =>
    ctx.out.write(`Warning: could not find ${missing}; it is not cached\n`),
  );
  if (sources.length === 0) {
    ctx.out.write("Skipping cache generation: none of the paths exist.\n");
    return "success";
  }
  ctx.out.write(`Creating cache archive for key ${key}...\n`);
  const stored = await ctx.api.cacheUpload(ctx.job, key, combineArchives(sources, { gzip: true }));
  ctx.out.write(
    stored.stored
      ? `Stored cache ${key} (${formatBytes(stored.bytes)})\n`
      : `Skipping cache generation, cache already exists for key: ${key}\n`,
  );
  return "success";
}

/** restore_cache: keys in order, each the newest cache with that prefix; extracted at its absolute paths. */
export async function restoreCache(step: RestoreCacheStep, ctx: StepContext): Promise<BuiltInOutcome> {
  const keys = [];
  for (const template of step.keys) keys.push(await evaluateCacheKey(template, ctx));
  const match = await ctx.api.cacheLookup(ctx.job, keys, false);
  if (match.key === null) {
    ctx.out.write(`No cache is found for key(s):\n${keys.map((k) => `  ${k}\n`).join("")}`);
    return "success";
  }
  ctx.out.write(
    `Found a cache${match.savedByJob === null ? "" : ` from build ${match.savedByJob}`} at ${match.key} (${formatBytes(match.size ?? 0)})\n`,
  );
  await ctx.sandbox.copyIn(gunzipped(await ctx.api.cacheDownload(ctx.job, match.key)), "/");
  ctx.out.write("Restored the cache.\n");
  return "success";
}
