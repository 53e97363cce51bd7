// OWNED BY: queue & builder protocol work. Signatures agreed with the projects and API v2 work.
import type { DbOrTx } from "@citadel/db";
import { type Job, jobs, pipelines, workflows } from "@citadel/db/schema";
import type { CompiledPipeline, PlannedJob } from "@citadel/pipeline";
import { and, eq, inArray, sql } from "drizzle-orm";
import { reserveJobNumbers } from "./job-numbers";
import { isTerminal } from "./job-status";
import { currentJobs, settleWorkflow } from "./workflow-settle";

/** A workflow or job that does not exist (`not_found`) or is not in a state that allows the change (`conflict`). */
export class WorkflowStateError extends Error {
  override name = "WorkflowStateError";
  constructor(
    readonly code: "not_found" | "conflict",
    message: string,
  ) {
    super(message);
  }
}

/**
 * Creates the workflows and jobs of a compiled plan inside the caller's transaction: only
 * workflows and jobs that run for this pipeline; jobs without requirements `queued`,
 * approvals without requirements `on_hold`, the rest `blocked`.
 */
export async function createWorkflowsFromPlan(
  tx: DbOrTx,
  pipeline: { id: string; projectId: string },
  plan: CompiledPipeline,
): Promise<void> {
  await tx.transaction(async (inner) => {
    for (const planned of plan.workflows) {
      const running = planned.jobs.filter((job) => job.runs);
      if (!planned.runs || running.length === 0) continue;
      const [workflow] = await inner
        .insert(workflows)
        .values({ pipelineId: pipeline.id, name: planned.name, status: "running" })
        .returning({ id: workflows.id });
      if (!workflow) throw new Error("workflow insert returned no row");
      await insertJobs(inner, workflow.id, pipeline.projectId, running);
      await settleWorkflow(inner, workflow.id);
    }
  });
}

/** Inserts jobs `blocked`; settleWorkflow then queues (or holds) those whose requirements are met. */
async function insertJobs(tx: DbOrTx, workflowId: string, projectId: string, planned: PlannedJob[]): Promise<void> {
  const numbers = await reserveJobNumbers(tx, projectId, planned.filter((job) => job.type === "build").length);
  let next = 0;
  await tx.insert(jobs).values(
    planned.map((job) => ({
      workflowId,
      projectId,
      name: job.name,
      type: job.type,
      status: "blocked" as const,
      number: job.type === "build" ? numbers[next++] : null,
      spec: job as unknown as Record<string, unknown>,
    })),
  );
}

/** Cancels every unfinished job of the workflow (running ones are told on their builder's next heartbeat). */
export async function cancelWorkflow(db: DbOrTx, workflowId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await lockWorkflow(tx, workflowId);
    await tx
      .update(jobs)
      .set({ status: "canceled", stoppedAt: sql`now()` })
      .where(and(eq(jobs.workflowId, workflowId), inArray(jobs.status, ["blocked", "queued", "on_hold"])));
    await tx
      .update(jobs)
      .set({ cancelRequested: true })
      .where(and(eq(jobs.workflowId, workflowId), eq(jobs.status, "running")));
    await tx.update(workflows).set({ status: "canceled" }).where(eq(workflows.id, workflowId));
    await settleWorkflow(tx, workflowId);
  });
}

/**
 * A new workflow in the same pipeline: all jobs again, or (fromFailed) the jobs that did not succeed
 * and everything depending on them; the jobs that succeeded are carried over as `success` (without a
 * job number: they do not run again).
 */
export async function rerunWorkflow(
  db: DbOrTx,
  workflowId: string,
  options: { fromFailed: boolean },
): Promise<{ workflowId: string }> {
  return db.transaction(async (tx) => {
    const original = await lockWorkflow(tx, workflowId);
    const rows = await currentJobs(tx, workflowId);
    if (rows.some((job) => !isTerminal(job.status) && job.status !== "on_hold")) {
      throw new WorkflowStateError(
        "conflict",
        "The workflow is still running; cancel it or wait for it to finish before rerunning.",
      );
    }
    const rerun = options.fromFailed ? jobsToRerunFromFailed(rows) : new Set(rows.map((job) => job.name));
    if (rerun.size === 0) throw new WorkflowStateError("conflict", "The workflow has no failed jobs to rerun.");
    const [pipeline] = await tx
      .select({ projectId: pipelines.projectId })
      .from(pipelines)
      .where(eq(pipelines.id, original.pipelineId));
    if (!pipeline) throw new WorkflowStateError("not_found", "Workflow not found.");
    const [created] = await tx
      .insert(workflows)
      .values({ pipelineId: original.pipelineId, name: original.name, status: "running", rerunOf: workflowId })
      .returning({ id: workflows.id });
    if (!created) throw new Error("workflow insert returned no row");
    const carried = rows.filter((job) => !rerun.has(job.name));
    if (carried.length > 0) {
      await tx.insert(jobs).values(
        carried.map((job) => ({
          workflowId: created.id,
          projectId: job.projectId,
          name: job.name,
          type: job.type,
          status: "success" as const,
          spec: job.spec,
          approvedBy: job.approvedBy,
          startedAt: job.startedAt,
          stoppedAt: job.stoppedAt,
        })),
      );
    }
    const again = rows.filter((job) => rerun.has(job.name)).map((job) => job.spec as unknown as PlannedJob);
    await insertJobs(tx, created.id, pipeline.projectId, again);
    await settleWorkflow(tx, created.id);
    return { workflowId: created.id };
  });
}

/** Jobs that did not succeed, plus every job that (transitively) requires one of them. */
function jobsToRerunFromFailed(rows: Job[]): Set<string> {
  const rerun = new Set(rows.filter((job) => job.status !== "success").map((job) => job.name));
  if (![...rerun].some((name) => rows.find((job) => job.name === name)?.status !== "not_run")) return new Set();
  let grew = true;
  while (grew) {
    grew = false;
    for (const job of rows) {
      if (rerun.has(job.name)) continue;
      if ((job.spec as unknown as PlannedJob).requires.some((name) => rerun.has(name))) {
        rerun.add(job.name);
        grew = true;
      }
    }
  }
  return rerun;
}

/** Approves an `on_hold` approval job (CircleCI's approval_request_id is the job's id), releasing its dependents. */
export async function approveJob(db: DbOrTx, workflowId: string, approvalJobId: string, actor: string): Promise<void> {
  await db.transaction(async (tx) => {
    await lockWorkflow(tx, workflowId);
    const [job] = await tx
      .select()
      .from(jobs)
      .where(and(eq(jobs.id, approvalJobId), eq(jobs.workflowId, workflowId), eq(jobs.type, "approval")));
    if (!job) throw new WorkflowStateError("not_found", "Approval request not found.");
    if (job.status !== "on_hold") throw new WorkflowStateError("conflict", `The approval job is ${job.status}, not on hold.`);
    await tx.update(jobs).set({ status: "success", approvedBy: actor, stoppedAt: sql`now()` }).where(eq(jobs.id, approvalJobId));
    await settleWorkflow(tx, workflowId);
  });
}

async function lockWorkflow(tx: DbOrTx, workflowId: string) {
  const [workflow] = await tx.select().from(workflows).where(eq(workflows.id, workflowId)).for("update");
  if (!workflow) throw new WorkflowStateError("not_found", "Workflow not found.");
  return workflow;
}
