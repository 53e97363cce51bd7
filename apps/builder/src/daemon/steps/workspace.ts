import { posix } from "node:path";
import type { AttachWorkspaceStep, PersistToWorkspaceStep } from "@citadel/pipeline";
import { combineArchives, gunzipped, underPrefix } from "./archive";
import { existingSources } from "./sources";
import { type BuiltInOutcome, formatBytes, inJob, type StepContext } from "./step-context";

/** persist_to_workspace: the paths, relative to root, as one layer for downstream jobs of the workflow. */
export async function persistToWorkspace(step: PersistToWorkspaceStep, ctx: StepContext): Promise<BuiltInOutcome> {
  const root = posix.normalize(await ctx.sandbox.resolvePath(inJob(step.root, ctx.workingDirectory)));
  const paths = [];
  for (const path of step.paths) {
    const absolute = posix.normalize(await ctx.sandbox.resolvePath(inJob(path, root)));
    const relative = posix.relative(root, absolute);
    if (relative.startsWith("..")) {
      ctx.out.write(`${path} is outside the workspace root ${step.root}; persist_to_workspace takes paths under its root\n`);
      return "failed";
    }
    paths.push({ path: absolute, rename: underPrefix(relative) });
  }
  const missing: string[] = [];
  const sources = await existingSources(ctx, paths, (path) => missing.push(path));
  if (missing.length > 0) {
    ctx.out.write(`Cannot persist to the workspace: ${missing.join(", ")} does not exist\n`);
    return "failed";
  }
  const stored = await ctx.api.workspaceUpload(ctx.job, combineArchives(sources, { gzip: true }));
  ctx.out.write(`Persisted ${step.paths.join(", ")} from ${step.root} to the workspace (${formatBytes(stored.bytes)})\n`);
  return "success";
}

/** attach_workspace: every layer persisted by the jobs this one requires, oldest first, extracted at `at`. */
export async function attachWorkspace(step: AttachWorkspaceStep, ctx: StepContext): Promise<BuiltInOutcome> {
  const layers = await ctx.api.workspaceLayers(ctx.job);
  if (layers.length === 0) {
    ctx.out.write("No workspace to attach: none of the jobs this one requires persisted anything.\n");
    return "success";
  }
  const at = inJob(step.at, ctx.workingDirectory);
  for (const layer of layers) {
    await ctx.sandbox.copyIn(gunzipped(await ctx.api.workspaceDownload(ctx.job, layer.id)), at);
    ctx.out.write(`Attached the workspace layer of ${layer.jobName} (${formatBytes(layer.size)}) at ${step.at}\n`);
  }
  return "success";
}
