import type { JobStatus } from "@citadel/db/schema";
import type { RequiredJobStatus } from "@citadel/pipeline";

export const TERMINAL_JOB_STATUSES = ["success", "failed", "canceled", "timedout", "infrastructure_fail", "not_run"] as const;
export const FAILED_JOB_STATUSES = ["failed", "timedout", "infrastructure_fail"] as const;

export function isTerminal(status: JobStatus): boolean {
  return (TERMINAL_JOB_STATUSES as readonly string[]).includes(status);
}

export function isFailure(status: JobStatus): boolean {
  return (FAILED_JOB_STATUSES as readonly string[]).includes(status);
}

/**
 * How a required job ended, in the words of `requires: [{ job: [status...] }]`; `pending` while it has
 * not ended. A required job that is not part of the pipeline (filtered out) counts as `not_run`.
 */
export function requirementOutcome(status: JobStatus | undefined): RequiredJobStatus | "pending" {
  if (status === undefined || status === "not_run") return "not_run";
  if (status === "success") return "success";
  if (status === "canceled") return "canceled";
  if (isFailure(status)) return "failed";
  return "pending";
}
