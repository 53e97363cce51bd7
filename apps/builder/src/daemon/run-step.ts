import type { RunStep } from "@citadel/pipeline";
import type { JobSandbox } from "../runtime/types";
import { durationMs } from "./resources";

export type RunOutcome = "success" | "failed" | "canceled" | "timedout";

/**
 * A `run` step in the job's primary container, with CircleCI's shell, environment, working directory
 * and no_output_timeout. `deadline` tells a job timeout apart from a cancel when `signal` fires.
 */
export async function runCommandStep(
  step: RunStep,
  sandbox: JobSandbox,
  options: {
    env: Record<string, string>;
    workingDirectory: string;
    shell: string[];
    out: { write(text: string): void };
    signal: AbortSignal;
    deadline: AbortSignal;
  },
): Promise<{ outcome: RunOutcome; exitCode: number | null }> {
  const result = await sandbox.exec(step.command, {
    env: { ...options.env, ...step.environment },
    workingDirectory: step.workingDirectory ?? options.workingDirectory,
    shell: step.shell ? step.shell.split(/\s+/).filter(Boolean) : options.shell,
    onOutput: (_stream, chunk) => options.out.write(chunk),
    signal: options.signal,
    noOutputTimeoutMs: durationMs(step.noOutputTimeout) ?? 600_000,
  });
  if (result.timedOut) options.out.write(`\nToo long with no output (exceeded ${step.noOutputTimeout}): the step was stopped.\n`);
  const outcome: RunOutcome = result.canceled
    ? options.deadline.aborted
      ? "timedout"
      : "canceled"
    : result.timedOut
      ? "timedout"
      : result.exitCode === 0
        ? "success"
        : "failed";
  return { outcome, exitCode: result.exitCode };
}
