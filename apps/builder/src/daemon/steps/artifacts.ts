import { posix } from "node:path";
import type { StoreArtifactsStep } from "@citadel/pipeline";
import { combineArchives, underPrefix } from "./archive";
import { existingSources } from "./sources";
import { type BuiltInOutcome, formatBytes, inJob, type StepContext } from "./step-context";

/**
 * store_artifacts: every file under `path`, named `destination/…` (default: the path as written,
 * without a leading `/` or `~/`), streamed to the services box as one tar.
 */
export async function storeArtifacts(step: StoreArtifactsStep, ctx: StepContext): Promise<BuiltInOutcome> {
  const prefix = posix.normalize(step.destination ?? step.path.replace(/^~\/?/, "")).replace(/^\/+|\/+$/g, "") || "artifacts";
  const path = inJob(step.path, ctx.workingDirectory);
  const sources = await existingSources(ctx, [{ path, rename: underPrefix(prefix) }], () => {});
  if (sources.length === 0) {
    ctx.out.write(`No artifact files found at ${step.path}\n`);
    return "success";
  }
  ctx.out.write(`Uploading ${step.path} to ${prefix}\n`);
  const stored = await ctx.api.artifactsUpload(ctx.job, combineArchives(sources, { gzip: false }));
  ctx.out.write(`Uploaded ${stored.files} artifact file${stored.files === 1 ? "" : "s"} (${formatBytes(stored.bytes)})\n`);
  return "success";
}
