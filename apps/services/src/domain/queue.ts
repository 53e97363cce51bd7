import type { DbOrTx } from "@citadel/db";
import { builders, type Job, jobSteps, jobs } from "@citadel/db/schema";
import type { BuilderCommand, FinishRequest, HeartbeatRequest, StepEvent } from "@citadel/protocol";
import { and, eq, inArray, lt, sql } from "drizzle-orm";
import { HttpError } from "../http/errors";
import { reserveJobNumbers } from "./job-numbers";
import { notifyJobEnded } from "./logs";
import { notifyJobsQueued, settleWorkflow } from "./workflow-settle";

/** How long a claimed job stays ours without a heartbeat; the builder heartbeats well within it. */
export const DEFAULT_LEASE_SECONDS = 60;

/**
 * Claims the oldest queued job for a builder in ONE statement: the row lock taken with
 * SKIP LOCKED makes concurrent claimers pass over each other's candidates, so a job is claimed once.
 */
export async function claimJob(db: DbOrTx, builderId: string, leaseSeconds: number): Promise<string | null> {
  const rows = await db.execute<{ id: string }>(sql`
    with next as (
      select j.id from jobs j
      where j.status = 'queued'
        and exists (select 1 from builders b where b.id = ${builderId} and b.state = 'active')
      order by j.queued_at, j.id
      limit 1
      for update of j skip locked
    )
    update jobs set status = 'running', builder_id = ${builderId}, started_at = now(),
      lease_expires_at = now() + make_interval(secs => ${leaseSeconds})
    from next where jobs.id = next.id
    returning jobs.id`);
  return rows[0]?.id ?? null;
}

/** A running job of this builder, or 409: job calls are only valid while the job runs on the builder it was given to. */
export async function runningJobOf(db: DbOrTx, jobId: string, builderId: string): Promise<Job> {
  const [job] = await db.select().from(jobs).where(eq(jobs.id, jobId));
  if (!job || job.builderId !== builderId) throw new HttpError(401, "This job token is not valid for this job.");
  if (job.status !== "running") throw new HttpError(409, `The job is no longer running (it is ${job.status}).`);
  return job;
}

/** Renews the leases of the builder's running jobs and answers with its commands (cancels, drain). */
export async function heartbeat(
  db: DbOrTx,
  builderId: string,
  beat: HeartbeatRequest,
  leaseSeconds: number,
): Promise<BuilderCommand[]> {
  return db.transaction(async (tx) => {
    const [builder] = await tx.select().from(builders).where(eq(builders.id, builderId)).for("update");
    if (!builder || builder.state === "deregistered") throw new HttpError(401, "Unknown or deregistered builder.");
    await tx
      .update(builders)
      .set({
        state: beat.state,
        slotsUsed: Math.max(0, builder.slotsTotal - beat.freeSlots),
        lastHeartbeatAt: sql`now()`,
        pendingCommands: [],
      })
      .where(eq(builders.id, builderId));
    const renewed =
      beat.runningJobIds.length === 0
        ? []
        : await tx
            .update(jobs)
            .set({ leaseExpiresAt: sql`now() + make_interval(secs => ${leaseSeconds})` })
            .where(and(eq(jobs.builderId, builderId), eq(jobs.status, "running"), inArray(jobs.id, beat.runningJobIds)))
            .returning({ id: jobs.id, cancelRequested: jobs.cancelRequested });
    const commands: BuilderCommand[] = [];
    for (const id of beat.runningJobIds) {
      const job = renewed.find((r) => r.id === id);
      // Canceled, or no longer this builder's (its lease lapsed and the job moved on): stop it.
      if (!job || job.cancelRequested) commands.push({ type: "cancel", jobId: id });
    }
    for (const pending of builder.pendingCommands) {
      if (pending.type === "drain") commands.push({ type: "drain" });
    }
    return commands;
  });
}

export async function recordStepEvent(db: DbOrTx, jobId: string, event: StepEvent): Promise<void> {
  const finished = event.event === "finish";
  await db
    .insert(jobSteps)
    .values({
      jobId,
      index: event.index,
      name: event.name,
      status: finished ? event.status : "running",
      exitCode: finished ? event.exitCode : null,
      startedAt: sql`now()`,
      stoppedAt: finished ? sql`now()` : null,
    })
    .onConflictDoUpdate({
      target: [jobSteps.jobId, jobSteps.index],
      set: finished
        ? { status: event.status, exitCode: event.exitCode, stoppedAt: sql`now()` }
        : { status: "running", name: event.name },
    });
}

/** Ends a running job as the builder reports it; dependents are released in the same transaction. */
export async function finishJob(db: DbOrTx, jobId: string, builderId: string, finish: Required<FinishRequest>): Promise<void> {
  await db.transaction(async (tx) => {
    const [job] = await tx
      .update(jobs)
      .set({ status: finish.status, statusReason: finish.reason, stoppedAt: sql`now()`, leaseExpiresAt: null })
      .where(and(eq(jobs.id, jobId), eq(jobs.builderId, builderId), eq(jobs.status, "running")))
      .returning();
    if (!job) throw new HttpError(409, "The job is no longer running.");
    await afterJobEnded(tx, job);
  });
}

/**
 * Turns running jobs whose lease lapsed (their builder died or lost the network) into
 * infrastructure_fail, each in its own transaction; returns how many.
 */
export async function sweepLapsedLeases(db: DbOrTx): Promise<number> {
  const lapsed = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.status, "running"), lt(jobs.leaseExpiresAt, sql`now()`)))
    .limit(500);
  let swept = 0;
  for (const { id } of lapsed) {
    await db.transaction(async (tx) => {
      const [job] = await tx
        .update(jobs)
        .set({
          status: "infrastructure_fail",
          statusReason: "The builder stopped sending heartbeats (its lease lapsed).",
          stoppedAt: sql`now()`,
          leaseExpiresAt: null,
        })
        .where(and(eq(jobs.id, id), eq(jobs.status, "running"), lt(jobs.leaseExpiresAt, sql`now()`)))
        .returning();
      if (!job) return;
      swept++;
      await afterJobEnded(tx, job);
    });
  }
  return swept;
}

/**
 * A first attempt that ended in infrastructure_fail is retried once, as CircleCI reruns jobs lost to
 * infrastructure: a new row (attempt 2, retry_of the first, a new job number) queued at once; the
 * first row keeps its infrastructure_fail for the record. Otherwise the workflow settles.
 */
async function afterJobEnded(tx: DbOrTx, job: Job): Promise<void> {
  if (job.status === "infrastructure_fail" && job.attempt === 1) {
    const [number] = await reserveJobNumbers(tx, job.projectId, 1);
    await tx.insert(jobs).values({
      workflowId: job.workflowId,
      projectId: job.projectId,
      name: job.name,
      type: job.type,
      status: "queued",
      number,
      spec: job.spec,
      attempt: 2,
      retryOf: job.id,
      queuedAt: sql`now()`,
    });
    await notifyJobsQueued(tx);
  }
  await settleWorkflow(tx, job.workflowId);
  await notifyJobEnded(tx, job.id);
}
