import type { DbOrTx } from "@citadel/db";
import { jobs, workflows } from "@citadel/db/schema";
import { asc, eq } from "drizzle-orm";

/** Every job row of a pipeline (retries included), oldest first. */
export async function jobsOfPipeline(db: DbOrTx, pipelineId: string) {
  return db
    .select({ job: jobs, workflow: workflows })
    .from(jobs)
    .innerJoin(workflows, eq(workflows.id, jobs.workflowId))
    .where(eq(workflows.pipelineId, pipelineId))
    .orderBy(asc(jobs.createdAt), asc(jobs.attempt));
}

/** name → status of the current rows (a retry replaces the attempt it retries). */
export async function statusesOfPipeline(db: DbOrTx, pipelineId: string): Promise<Record<string, string>> {
  const rows = await jobsOfPipeline(db, pipelineId);
  return Object.fromEntries(rows.map(({ job }) => [job.name, job.status]));
}

export async function workflowOfPipeline(db: DbOrTx, pipelineId: string) {
  const [workflow] = await db.select().from(workflows).where(eq(workflows.pipelineId, pipelineId));
  if (!workflow) throw new Error("pipeline has no workflow");
  return workflow;
}
