import type { Job, Pipeline, Project, Workflow } from "@citadel/db/schema";

/** CircleCI API v2 JSON shapes, from our rows. Field names and status words are CircleCI's. */

const iso = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);
const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

const TRIGGER_TYPES: Record<string, string> = { webhook: "webhook", api: "api", schedule: "scheduled_pipeline" };

export function pipelineShape(pipeline: Pipeline, project: Project) {
  const vcs = pipeline.vcs;
  const trigger = pipeline.trigger;
  const subject = text(vcs.commitSubject);
  return {
    id: pipeline.id,
    errors: pipeline.errors.map((error) => ({ type: text(error.type) ?? "config", message: text(error.message) ?? "" })),
    project_slug: project.slug,
    updated_at: iso(pipeline.updatedAt),
    number: pipeline.number,
    state: pipeline.state,
    created_at: iso(pipeline.createdAt),
    trigger: {
      type: TRIGGER_TYPES[text(trigger.type) ?? ""] ?? "api",
      received_at: text(trigger.receivedAt) ?? iso(pipeline.createdAt),
      actor: { login: text(trigger.actor) ?? "", avatar_url: null },
    },
    trigger_parameters: pipeline.parameters,
    vcs: {
      provider_name: project.vcs === "github" ? "GitHub" : "Git",
      origin_repository_url: text(vcs.originRepositoryUrl) ?? project.gitUrl,
      target_repository_url: text(vcs.originRepositoryUrl) ?? project.gitUrl,
      revision: text(vcs.revision) ?? "",
      ...(text(vcs.branch) !== undefined ? { branch: text(vcs.branch) } : {}),
      ...(text(vcs.tag) !== undefined ? { tag: text(vcs.tag) } : {}),
      ...(subject !== undefined ? { commit: { subject, body: "" } } : {}),
    },
  };
}

export function workflowShape(workflow: Workflow, pipeline: Pipeline, project: Project) {
  return {
    pipeline_id: pipeline.id,
    canceled_by: null,
    id: workflow.id,
    name: workflow.name,
    project_slug: project.slug,
    errored_by: null,
    tag: null,
    status: workflow.status,
    started_by: text(pipeline.trigger.actor) ?? "",
    pipeline_number: pipeline.number,
    created_at: iso(workflow.createdAt),
    stopped_at: iso(workflow.stoppedAt),
  };
}

/** A job of `GET /workflow/{id}/job`; `dependencies` are the ids of the jobs it requires in its workflow. */
export function workflowJobShape(job: Job, siblings: Job[], project: Project) {
  const requires = Array.isArray(job.spec.requires) ? (job.spec.requires as unknown[]).filter((r) => typeof r === "string") : [];
  return {
    canceled_by: null,
    dependencies: siblings.filter((s) => requires.includes(s.name)).map((s) => s.id),
    ...(job.number !== null ? { job_number: job.number } : {}),
    id: job.id,
    started_at: iso(job.startedAt),
    name: job.name,
    approved_by: job.approvedBy,
    project_slug: project.slug,
    status: job.status,
    type: job.type,
    stopped_at: iso(job.stoppedAt),
    // CircleCI's approval request id is the approval job's id.
    ...(job.type === "approval" ? { approval_request_id: job.id } : {}),
  };
}

/** `GET /project/{slug}/job/{job-number}`. */
export function jobDetailsShape(input: { job: Job; workflow: Workflow; pipeline: Pipeline; project: Project; baseUrl: string }) {
  const { job, workflow, pipeline, project } = input;
  const [, org = "", repo = ""] = project.slug.split("/");
  const executor = (job.spec.executor ?? {}) as Record<string, unknown>;
  const contexts = Array.isArray(job.spec.context) ? (job.spec.context as unknown[]).filter((c) => typeof c === "string") : [];
  const parallelism = typeof job.spec.parallelism === "number" ? job.spec.parallelism : 1;
  const duration = job.startedAt && job.stoppedAt ? job.stoppedAt.getTime() - job.startedAt.getTime() : null;
  return {
    web_url: `${input.baseUrl}/pipelines/${project.slug}/${pipeline.number}/workflows/${workflow.id}/jobs/${job.number}`,
    project: { id: project.id, slug: project.slug, name: repo, external_url: project.gitUrl },
    parallel_runs: Array.from({ length: parallelism }, (_, index) => ({ index, status: job.status })),
    started_at: iso(job.startedAt),
    latest_workflow: { id: workflow.id, name: workflow.name },
    name: job.name,
    executor: { type: text(executor.type) ?? "docker", resource_class: text(executor.resourceClass) ?? "medium" },
    parallelism,
    status: job.status,
    number: job.number,
    pipeline: { id: pipeline.id },
    duration,
    created_at: iso(job.createdAt),
    messages: job.statusReason ? [{ type: "info", message: job.statusReason, reason: job.status }] : [],
    contexts: contexts.map((name) => ({ name })),
    organization: { name: org },
    queued_at: iso(job.queuedAt),
    stopped_at: iso(job.stoppedAt),
  };
}

export function envVarShape(envVar: { name: string; value: string; createdAt: Date }) {
  return { name: envVar.name, value: envVar.value, created_at: iso(envVar.createdAt) };
}

export function userShape(user: { id: string; login: string; name: string }) {
  return { id: user.id, login: user.login, name: user.name };
}
