import { contextEnvironment, projectEnvironment } from "@citadel/db";
import { jobs, pipelines, projects, workflows } from "@citadel/db/schema";
import type { PlannedJob } from "@citadel/pipeline";
import { projectSshKeysForJob } from "@citadel/projects";
import type { JobSpec } from "@citadel/protocol";
import { eq } from "drizzle-orm";
import type { ServicesContext } from "../app-context";
import { issueJobToken } from "./builder-tokens";

/**
 * The spec handed to the builder that claimed the job: the only place decrypted secrets leave the
 * services box. Project variables first, then the job's contexts in order (later ones win).
 */
export async function buildJobSpec(ctx: ServicesContext, jobId: string, builderId: string): Promise<JobSpec> {
  const [row] = await ctx.db
    .select({ job: jobs, workflow: workflows, pipeline: pipelines, project: projects })
    .from(jobs)
    .innerJoin(workflows, eq(workflows.id, jobs.workflowId))
    .innerJoin(pipelines, eq(pipelines.id, workflows.pipelineId))
    .innerJoin(projects, eq(projects.id, jobs.projectId))
    .where(eq(jobs.id, jobId));
  if (!row) throw new Error(`claimed job ${jobId} vanished`);
  const { job, workflow, pipeline, project } = row;
  const planned = job.spec as unknown as PlannedJob;

  // An unknown context throws UnknownContextError: the job must not run without its secrets.
  const environment = {
    ...(await projectEnvironment(ctx.db, ctx.keyring, project.id)),
    ...(await contextEnvironment(ctx.db, ctx.keyring, planned.context)),
  };

  const sshKeys = planned.steps.some((step) => step.type === "add_ssh_keys")
    ? await projectSshKeysForJob(ctx.db, ctx.keyring, project.id)
    : [];

  const vcs = pipeline.vcs as { branch?: string; tag?: string; revision?: string };
  const [, org = "", repo = ""] = project.slug.split("/");
  const circle: Record<string, string> = {
    CI: "true",
    CIRCLECI: "true",
    CIRCLE_JOB: job.name,
    CIRCLE_BUILD_NUM: String(job.number ?? ""),
    CIRCLE_NODE_TOTAL: String(planned.parallelism),
    CIRCLE_NODE_INDEX: "0",
    CIRCLE_PROJECT_USERNAME: org,
    CIRCLE_PROJECT_REPONAME: repo,
    CIRCLE_REPOSITORY_URL: project.gitUrl,
    CIRCLE_SHA1: vcs.revision ?? "",
    CIRCLE_WORKFLOW_ID: workflow.id,
    CIRCLE_WORKFLOW_JOB_ID: job.id,
    CIRCLE_PIPELINE_ID: pipeline.id,
    CIRCLE_PIPELINE_NUMBER: String(pipeline.number),
    CIRCLE_WORKING_DIRECTORY: planned.executor?.workingDirectory ?? "~/project",
  };
  if (vcs.branch) circle.CIRCLE_BRANCH = vcs.branch;
  if (vcs.tag) circle.CIRCLE_TAG = vcs.tag;

  return {
    jobId: job.id,
    number: job.number ?? 0,
    name: job.name,
    attempt: job.attempt,
    projectSlug: project.slug,
    workflowId: workflow.id,
    pipelineId: pipeline.id,
    pipelineNumber: pipeline.number,
    git: { url: project.gitUrl, revision: vcs.revision ?? null, branch: vcs.branch ?? null, tag: vcs.tag ?? null },
    job: planned,
    environment,
    secretValues: [
      ...new Set([...Object.values(environment), ...sshKeys.map((key) => key.privateKey)].filter((value) => value.length > 0)),
    ],
    sshKeys,
    checkout: { deployPrivateKey: ctx.keyring.decrypt(project.deployPrivateKeyEncrypted), sshHostKey: project.sshHostKey },
    circle,
    jobToken: await issueJobToken(ctx, job.id, builderId),
  };
}
