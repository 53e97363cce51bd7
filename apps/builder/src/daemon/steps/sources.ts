import type { ArchiveSource } from "./archive";
import type { StepContext } from "./step-context";

/**
 * Archive sources for those of `paths` that exist in the job's container; a missing one is reported
 * through `onMissing` and left out, as CircleCI warns and goes on.
 */
export async function existingSources(
  ctx: StepContext,
  paths: ReadonlyArray<{ path: string; rename: (name: string) => string | null }>,
  onMissing: (path: string) => void,
): Promise<ArchiveSource[]> {
  const sources: ArchiveSource[] = [];
  for (const { path, rename } of paths) {
    if (await ctx.sandbox.pathExists(path)) sources.push({ open: () => ctx.sandbox.copyOut(path), rename });
    else onMissing(path);
  }
  return sources;
}
