import type { DbOrTx } from "@citadel/db";
import { type Job, type JobStatus, jobs, type Workflow, workflows } from "@citadel/db/schema";
import type { PlannedJob } from "@citadel/pipeline";
import { and, eq, inArray, sql } from "drizzle-orm";
import { isFailure, isTerminal, requirementOutcome } from "./job-status";

export const JOBS_QUEUED_CHANNEL = "citadel_jobs_queued";

/**
 * The current row of each job of a workflow: an automatic retry supersedes the attempt it retries,
 * so that attempt's infrastructure_fail does not count for requirements or the workflow's status.
 */
export async function currentJobs(tx: DbOrTx, workflowId: string): Promise<Job[]> {
  return tx.select().from(jobs).where(currentOf(workflowId));
}

// A retry lives in the workflow of the attempt it retries: saying so lets PostgreSQL probe the
// workflow index instead of scanning every job (retry_of has no index).
const currentOf = (workflowId: string) =>
  and(
    eq(jobs.workflowId, workflowId),
    sql`not exists (select 1 from jobs retry where retry.workflow_id = ${workflowId} and retry.retry_of = ${jobs.id})`,
  );

/** What settling needs of a job; the plan (a few KiB of JSON) only for blocked jobs, the only ones it decides. */
type JobState = Pick<Job, "id" | "name" | "type" | "status"> & { spec: Job["spec"] | null };

function currentJobStates(tx: DbOrTx, workflowId: string): Promise<JobState[]> {
  return tx
    .select({
      id: jobs.id,
      name: jobs.name,
      type: jobs.type,
      status: jobs.status,
      spec: sql<Job["spec"] | null>`case when ${jobs.status} = 'blocked' then ${jobs.spec} end`.mapWith(jobs.spec),
    })
    .from(jobs)
    .where(currentOf(workflowId));
}

/**
 * Brings a workflow up to date after any job change: releases blocked jobs whose requirements ended
 * (→ queued, approvals → on_hold), marks `not_run` those whose requirements ended in a status they do
 * not accept (cascading), and recomputes the workflow's CircleCI status. Locks the workflow row so
 * concurrent finishes in one workflow settle one after the other.
 */
export async function settleWorkflow(tx: DbOrTx, workflowId: string): Promise<void> {
  const [workflow] = await tx.select().from(workflows).where(eq(workflows.id, workflowId)).for("update");
  if (!workflow) return;
  const rows = await currentJobStates(tx, workflowId);
  const changes = releaseBlocked(rows);
  for (const status of ["queued", "on_hold", "not_run"] as const) {
    const ids = [...changes].filter(([, next]) => next === status).map(([id]) => id);
    if (ids.length === 0) continue;
    await tx
      .update(jobs)
      .set({
        status,
        queuedAt: status === "queued" ? sql`now()` : undefined,
        stoppedAt: status === "not_run" ? sql`now()` : undefined,
      })
      .where(and(inArray(jobs.id, ids), eq(jobs.status, "blocked")));
  }
  if ([...changes.values()].includes("queued")) await notifyJobsQueued(tx);
  const status = workflowStatus(rows, workflow.status);
  const ended = rows.every((job) => isTerminal(job.status));
  if (status !== workflow.status || (ended && !workflow.stoppedAt)) {
    await tx
      .update(workflows)
      .set({ status, stoppedAt: ended ? (workflow.stoppedAt ?? sql`now()`) : null })
      .where(eq(workflows.id, workflowId));
  }
}

export async function notifyJobsQueued(tx: DbOrTx): Promise<void> {
  await tx.execute(sql`select pg_notify(${JOBS_QUEUED_CHANNEL}, '')`);
}

/** Decides blocked jobs until nothing changes (a not_run can make its dependents not_run). Mutates rows. */
function releaseBlocked(rows: JobState[]): Map<string, JobStatus> {
  const byName = new Map(rows.map((job) => [job.name, job]));
  const changes = new Map<string, JobStatus>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const job of rows) {
      if (job.status !== "blocked") continue;
      const next = decideBlocked(job, byName);
      if (!next) continue;
      job.status = next;
      changes.set(job.id, next);
      changed = true;
    }
  }
  return changes;
}

function decideBlocked(job: JobState, byName: Map<string, JobState>): JobStatus | null {
  const planned = job.spec as unknown as PlannedJob;
  let pending = false;
  for (const required of planned.requires) {
    const outcome = requirementOutcome(byName.get(required)?.status);
    if (outcome === "pending") {
      pending = true;
      continue;
    }
    const accepted = planned.requiredStatus[required] ?? ["success"];
    if (!accepted.includes(outcome) && !accepted.includes("terminal")) return "not_run";
  }
  if (pending) return null;
  return job.type === "approval" ? "on_hold" : "queued";
}

/** CircleCI's workflow status from its current jobs; a canceled workflow stays canceled. */
export function workflowStatus(rows: Pick<Job, "status">[], current: Workflow["status"]): Workflow["status"] {
  if (current === "canceled") return "canceled";
  const failed = rows.some((job) => isFailure(job.status));
  if (rows.some((job) => job.status === "queued" || job.status === "running" || job.status === "blocked")) {
    const waitingOnApproval =
      rows.some((job) => job.status === "on_hold") && !rows.some((job) => job.status === "queued" || job.status === "running");
    if (waitingOnApproval) return "on_hold";
    return failed ? "failing" : "running";
  }
  if (rows.some((job) => job.status === "on_hold")) return "on_hold";
  if (failed) return "failed";
  if (rows.some((job) => job.status === "canceled")) return "canceled";
  if (rows.length > 0 && rows.every((job) => job.status === "not_run")) return "not_run";
  return "success";
}
