import type { FinishStatus, JobSpec } from "@citadel/protocol";
import type { Logger } from "pino";
import type { ServicesApi } from "../client/services-api";
import { InfrastructureError } from "../errors";
import type { JobRuntime, JobSandbox } from "../runtime/types";
import { fetchCheckout } from "./checkout";
import { LogShipper } from "./log-shipper";
import { limitsFor } from "./resources";
import { runCommandStep } from "./run-step";
import { runBuiltInStep } from "./steps/built-in-steps";

export interface JobRunnerOptions {
  api: ServicesApi;
  runtime: JobRuntime;
  jobNetwork: "job" | "none";
  slot: { cpus: number; memoryBytes: number };
  /** CircleCI's job time limit. */
  jobTimeoutMs: number;
  logger: Logger;
}

type StepOutcome = "success" | "failed" | "canceled" | "timedout" | "skipped";

/**
 * Runs one claimed job: a fresh sandbox, its steps in order with CircleCI's `when` rules, masked
 * logs shipped as they happen, step events, and a finish — and the sandbox removed whatever happened.
 */
export async function runJob(job: JobSpec, signal: AbortSignal, options: JobRunnerOptions): Promise<FinishStatus> {
  const log = options.logger.child({ jobId: job.jobId, job: job.name });
  const shipper = new LogShipper(options.api, job, log);
  let sandbox: JobSandbox | null = null;
  let status: FinishStatus = "success";
  let reason: string | null = null;
  const deadline = AbortSignal.timeout(options.jobTimeoutMs);
  const stop = AbortSignal.any([signal, deadline]);
  /** Background steps still running; stopped when the foreground steps are done. */
  const background: Array<Promise<void>> = [];
  const jobEnded = new AbortController();
  let backgroundError: unknown;
  try {
    const executor = job.job.executor;
    if (executor?.type !== "docker") {
      throw new InfrastructureError(
        `this builder runs Docker jobs only; ${job.name} asks for a ${executor?.type ?? "missing"} executor`,
      );
    }
    const [primary, ...secondaries] = executor.images;
    if (!primary) throw new InfrastructureError(`${job.name} names no image`);
    sandbox = await options.runtime.prepare({
      jobId: job.jobId,
      primary: { image: primary.image, environment: primary.environment, ...(primary.user ? { user: primary.user } : {}) },
      secondaries: secondaries.map((image) => ({
        image: image.image,
        environment: image.environment,
        ...(image.name ? { name: image.name } : {}),
        ...(image.entrypoint ? { entrypoint: image.entrypoint } : {}),
        ...(image.command ? { command: image.command } : {}),
        ...(image.user ? { user: image.user } : {}),
      })),
      resources: limitsFor(executor.resourceClass, options.slot),
      network: options.jobNetwork,
      labels: { "ci.project": job.projectSlug },
    });
    const baseEnv = { ...job.circle, ...executor.environment, ...job.environment };
    const shell = executor.shell.split(/\s+/).filter(Boolean);
    let failed = false;
    for (const [index, step] of job.job.steps.entries()) {
      const when = "when" in step ? step.when : "on_success";
      if ((when === "on_success" && failed) || (when === "on_fail" && !failed)) {
        await options.api.stepEvent(job, { event: "finish", index, name: step.name, status: "skipped", exitCode: null });
        continue;
      }
      await options.api.stepEvent(job, { event: "start", index, name: step.name });
      const out = shipper.stream(index);
      let outcome: StepOutcome;
      let exitCode: number | null = null;
      const runOptions = {
        env: baseEnv,
        workingDirectory: executor.workingDirectory,
        shell,
        out,
        signal: AbortSignal.any([stop, jobEnded.signal]),
        deadline,
      };
      if (step.type === "run" && step.background) {
        // Runs alongside the next steps; stopped when the job ends, a failure before that fails the job.
        background.push(
          runCommandStep(step, sandbox, runOptions)
            .then(async (result) => {
              // Stopped because the job's steps were done (not a cancel or timeout): that is its normal end.
              const ended = result.outcome === "canceled" && jobEnded.signal.aborted && !stop.aborted;
              if ((result.outcome === "failed" || result.outcome === "timedout") && !jobEnded.signal.aborted) failed = true;
              out.end();
              await options.api.stepEvent(job, {
                event: "finish",
                index,
                name: step.name,
                status: ended ? "success" : result.outcome,
                exitCode: result.exitCode,
              });
            })
            // Held until the foreground is done, then it fails the job like any builder error.
            .catch((error: unknown) => {
              backgroundError ??= error;
            }),
        );
        continue;
      }
      if (step.type === "run") {
        ({ outcome, exitCode } = await runCommandStep(step, sandbox, runOptions));
      } else if (step.type === "checkout") {
        const checkout = await fetchCheckout(job);
        try {
          await sandbox.copyIn(checkout.tar, step.path ?? executor.workingDirectory);
        } finally {
          await checkout.cleanup();
        }
        out.write(
          `Checked out ${job.git.revision ?? job.git.branch ?? job.git.tag} into ${step.path ?? executor.workingDirectory}\n`,
        );
        outcome = "success";
      } else {
        outcome = await runBuiltInStep(step, {
          job,
          sandbox,
          api: options.api,
          out,
          workingDirectory: executor.workingDirectory,
          env: baseEnv,
        });
      }
      out.end();
      await options.api.stepEvent(job, { event: "finish", index, name: step.name, status: outcome, exitCode });
      if (outcome === "canceled" || outcome === "timedout") {
        status = outcome;
        reason = outcome === "timedout" && deadline.aborted ? "the job ran past its time limit" : null;
        break;
      }
      if (outcome === "failed") failed = true;
    }
    jobEnded.abort();
    await Promise.all(background);
    if (backgroundError !== undefined) throw backgroundError;
    if (status === "success" && failed) status = "failed";
  } catch (error) {
    status = "infrastructure_fail";
    reason = error instanceof Error ? error.message : String(error);
    shipper.note(null, `Infrastructure error: ${reason}`);
    log.error({ reason }, "job failed on the builder");
  } finally {
    jobEnded.abort();
    await Promise.all(background);
    await sandbox
      ?.destroy()
      .catch((error: unknown) => log.error({ err: error }, "could not remove the job's containers; the reaper will"));
  }
  const chunkCount = await shipper.close();
  let missing = await options.api.finish(job, { status, reason, logChunkCount: chunkCount });
  for (let attempt = 0; missing.length > 0 && attempt < 5; attempt++) {
    await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
    missing = await options.api.finish(job, { status, reason, logChunkCount: chunkCount });
  }
  log.info({ status }, "job finished");
  return status;
}
