import type { PlannedStep } from "@citadel/pipeline";
import { storeArtifacts } from "./artifacts";
import { restoreCache, saveCache } from "./cache";
import { CacheKeyError } from "./cache-keys";
import { addSshKeys } from "./ssh-keys";
import type { BuiltInOutcome, StepContext } from "./step-context";
import { storeTestResults } from "./test-results";
import { attachWorkspace, persistToWorkspace } from "./workspace";

/**
 * Runs a step the builder carries out itself (not a command in the container). Failures of the
 * services box or engine reject (the job ends as infrastructure_fail); a step's own problem (a bad
 * cache key template) fails the step with its message.
 */
export async function runBuiltInStep(step: PlannedStep, ctx: StepContext): Promise<BuiltInOutcome> {
  try {
    switch (step.type) {
      case "save_cache":
        return await saveCache(step, ctx);
      case "restore_cache":
        return await restoreCache(step, ctx);
      case "store_artifacts":
        return await storeArtifacts(step, ctx);
      case "store_test_results":
        return await storeTestResults(step, ctx);
      case "persist_to_workspace":
        return await persistToWorkspace(step, ctx);
      case "attach_workspace":
        return await attachWorkspace(step, ctx);
      case "add_ssh_keys":
        return await addSshKeys(step, ctx);
      case "setup_remote_docker":
        ctx.out.write("setup_remote_docker is not available: Citadel jobs get no Docker engine (no Docker socket in jobs).\n");
        return "failed";
      default:
        throw new Error(`${step.type} is not a built-in step`);
    }
  } catch (error) {
    if (error instanceof CacheKeyError) {
      ctx.out.write(`${error.message}\n`);
      return "failed";
    }
    throw error;
  }
}
