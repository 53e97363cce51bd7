// OWNED BY: queue & builder protocol work. Signatures agreed with the projects and API v2 work.
import type { DbOrTx } from "@citadel/db";
import type { CompiledPipeline } from "@citadel/pipeline";

/**
 * Creates the workflows and jobs of a compiled plan inside the caller's transaction: only
 * workflows and jobs that run for this pipeline; jobs without requirements `queued`,
 * approvals without requirements `on_hold`, the rest `blocked`.
 */
export async function createWorkflowsFromPlan(
  _tx: DbOrTx,
  _pipeline: { id: string; projectId: string },
  _plan: CompiledPipeline,
): Promise<void> {
  throw new Error("createWorkflowsFromPlan: not implemented yet");
}

/** Cancels every unfinished job of the workflow (running ones are told on their builder's next heartbeat). */
export async function cancelWorkflow(_db: DbOrTx, _workflowId: string): Promise<void> {
  throw new Error("cancelWorkflow: not implemented yet");
}

/** A new workflow in the same pipeline: all jobs again, or (fromFailed) the failed ones and what depends on them. */
export async function rerunWorkflow(
  _db: DbOrTx,
  _workflowId: string,
  _options: { fromFailed: boolean },
): Promise<{ workflowId: string }> {
  throw new Error("rerunWorkflow: not implemented yet");
}

/** Approves an `on_hold` approval job (CircleCI's approval_request_id is the job's id), releasing its dependents. */
export async function approveJob(_db: DbOrTx, _workflowId: string, _approvalJobId: string, _actor: string): Promise<void> {
  throw new Error("approveJob: not implemented yet");
}
