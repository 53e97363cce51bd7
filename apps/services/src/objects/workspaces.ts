import type { DbOrTx } from "@citadel/db";
import { type Job, jobs, type WorkspaceLayer, workflows, workspaceLayers } from "@citadel/db/schema";
import type { PlannedJob } from "@citadel/pipeline";
import { asc, eq, inArray } from "drizzle-orm";

/**
 * The workspace layers `attach_workspace` applies for `job`, oldest first (later layers win): those
 * persisted by the jobs it requires, directly or not, as in CircleCI. A workflow rerun reuses the
 * layers of the run it reruns for jobs that did not run again.
 */
export async function layersToAttach(db: DbOrTx, job: Job): Promise<WorkspaceLayer[]> {
  const workflowIds = await rerunChain(db, job.workflowId);
  const jobsOfWorkflow = await db
    .select({ name: jobs.name, spec: jobs.spec })
    .from(jobs)
    .where(eq(jobs.workflowId, job.workflowId));
  const requiresOf = new Map(jobsOfWorkflow.map((j) => [j.name, (j.spec as unknown as PlannedJob).requires ?? []]));
  const ancestors = new Set<string>();
  const visit = (name: string) => {
    for (const required of requiresOf.get(name) ?? []) {
      if (ancestors.has(required)) continue;
      ancestors.add(required);
      visit(required);
    }
  };
  visit(job.name);
  if (ancestors.size === 0) return [];

  const layers = await db
    .select()
    .from(workspaceLayers)
    .where(inArray(workspaceLayers.workflowId, workflowIds))
    .orderBy(asc(workspaceLayers.createdAt));
  // Per required job, only the layers of its latest run (a retry or a rerun replaces earlier ones).
  const latestRun = new Map<string, string>();
  for (const layer of layers) if (ancestors.has(layer.jobName)) latestRun.set(layer.jobName, layer.jobId);
  return layers.filter((layer) => latestRun.get(layer.jobName) === layer.jobId);
}

async function rerunChain(db: DbOrTx, workflowId: string): Promise<string[]> {
  const chain: string[] = [];
  let next: string | null = workflowId;
  while (next && !chain.includes(next) && chain.length < 100) {
    chain.push(next);
    const [row]: Array<{ rerunOf: string | null }> = await db
      .select({ rerunOf: workflows.rerunOf })
      .from(workflows)
      .where(eq(workflows.id, next));
    next = row?.rerunOf ?? null;
  }
  return chain;
}

export async function recordLayer(
  db: DbOrTx,
  row: { workflowId: string; jobId: string; jobName: string; objectKey: string; size: number; sha256: string },
): Promise<void> {
  await db.insert(workspaceLayers).values(row);
}
