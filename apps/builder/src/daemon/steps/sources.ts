import { SandboxPathNotFoundError } from "../../errors";
import { type ArchiveSource, destroy } from "./archive";
import type { StepContext } from "./step-context";

/**
 * Opens an archive of each path in the job's container (streams start paused, read in turn later);
 * a missing path is reported through `onMissing` and left out, as CircleCI warns and goes on.
 */
export async function openSources(
  ctx: StepContext,
  paths: ReadonlyArray<{ path: string; rename: (name: string) => string | null }>,
  onMissing: (path: string) => void,
): Promise<ArchiveSource[]> {
  const sources: ArchiveSource[] = [];
  for (const { path, rename } of paths) {
    try {
      sources.push({ tar: await ctx.sandbox.copyOut(path), rename });
    } catch (error) {
      if (!(error instanceof SandboxPathNotFoundError)) {
        for (const source of sources) destroy(source.tar);
        throw error;
      }
      onMissing(path);
    }
  }
  return sources;
}
