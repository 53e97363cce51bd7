// ProcessedConfig + pipeline inputs → CompiledPipeline (the plan services run).
import { type ExpandOptions, expandConfig, type ProcessedConfig, type ProcessedWorkflow } from "./config";
import type { Result } from "./errors";
import { filtersAdmit } from "./filters";
import { plannedExecutor, plannedStep } from "./normalize";
import type { OrbResolver } from "./orbs";
import type { CompiledPipeline, PlannedJob, PlannedSchedule, PlannedWorkflow } from "./plan";

/** The pipeline a plan is compiled for. */
export interface CompileOptions {
  /** Branch pushed (`pipeline.git.branch`); omit for tag pushes. */
  branch?: string;
  /** Tag pushed (`pipeline.git.tag`); when set, CircleCI's tag rules apply to job filters. */
  tag?: string;
  /** Commit SHA (`pipeline.git.revision`). */
  revision?: string;
  /** Pipeline parameter values (`<< pipeline.parameters.x >>`). */
  parameters?: Record<string, unknown>;
  /** `pipeline.number`; 1 when not given. */
  number?: number;
  /** `pipeline.project.git_url`. */
  gitUrl?: string;
  /** `pipeline.id`. */
  id?: string;
  /** "push" (default) runs workflows without schedule triggers; "schedule" runs those whose schedule admits the branch. */
  event?: "push" | "schedule";
  orbResolver?: OrbResolver;
}

/** Pipeline values for `<< pipeline.* >>` templates from compile inputs. */
export function pipelineValues(options: CompileOptions): Record<string, unknown> {
  return {
    "pipeline.id": options.id ?? "",
    "pipeline.number": options.number ?? 1,
    "pipeline.project.git_url": options.gitUrl ?? "",
    "pipeline.project.type": "",
    "pipeline.git.branch": options.branch ?? "",
    "pipeline.git.tag": options.tag ?? "",
    "pipeline.git.revision": options.revision ?? "",
    "pipeline.git.base_revision": "",
    "pipeline.trigger_source": options.event === "schedule" ? "scheduled_pipeline" : "webhook",
    "pipeline.schedule.name": "",
    "pipeline.schedule.id": "",
  };
}

/** Parses, validates, expands and plans a config for one pipeline. */
export function compile(source: string, options: CompileOptions = {}): Result<CompiledPipeline> {
  const expandOptions: ExpandOptions = { pipelineParameters: options.parameters ?? {}, pipelineValues: pipelineValues(options) };
  if (options.orbResolver) expandOptions.orbResolver = options.orbResolver;
  const expanded = expandConfig(source, expandOptions);
  if (!expanded.ok) return expanded;
  return { ok: true, value: planPipeline(expanded.value, options) };
}

/** Plans an already expanded config (expanded with the same pipeline values). */
export function planPipeline(config: ProcessedConfig, options: CompileOptions): CompiledPipeline {
  const event = options.event ?? "push";
  const trigger: CompiledPipeline["trigger"] = { event, number: options.number ?? 1 };
  if (options.branch !== undefined) trigger.branch = options.branch;
  if (options.tag !== undefined) trigger.tag = options.tag;
  if (options.revision !== undefined) trigger.revision = options.revision;
  const workflows: ProcessedWorkflow[] = config.workflows ?? [
    {
      name: "workflow",
      triggers: [],
      conditionHolds: true,
      jobs: [{ name: "build", job: "build", definition: "build", type: "build", requires: [], requireStatus: {}, context: [] }],
    },
  ];
  return {
    version: config.version,
    setup: config.setup,
    trigger,
    parameters: config.parameters,
    workflows: workflows.map((w) => planWorkflow(config, w, options, event)),
  };
}

function planWorkflow(
  config: ProcessedConfig,
  workflow: ProcessedWorkflow,
  options: CompileOptions,
  event: "push" | "schedule",
): PlannedWorkflow {
  const schedules: PlannedSchedule[] = workflow.triggers.map((t) => ({ cron: t.cron, branches: { ...t.filters?.branches } }));
  const triggered =
    event === "push"
      ? schedules.length === 0
      : workflow.triggers.some((t) => filtersAdmit(t.filters, options.branch === undefined ? {} : { branch: options.branch }));
  const runs = workflow.conditionHolds && triggered;
  const event2 =
    options.tag !== undefined ? { tag: options.tag } : options.branch !== undefined ? { branch: options.branch } : {};
  const jobs: PlannedJob[] = workflow.jobs.map((entry) => {
    const processed = entry.job ? config.jobs[entry.job] : undefined;
    const steps = processed ? processed.steps.map(plannedStep) : [];
    const job: PlannedJob = {
      name: entry.name,
      definition: entry.definition,
      type: entry.type,
      requires: entry.requires,
      requiredStatus: Object.fromEntries(entry.requires.map((r) => [r, entry.requireStatus[r] ?? ["success"]])),
      context: entry.context,
      filtersAdmit: filtersAdmit(entry.filters, event2),
      runs: false,
      parallelism: processed?.parallelism ?? 1,
      steps,
      unsupported: [...new Set(steps.filter((s) => s.type === "setup_remote_docker").map((s) => s.type))],
    };
    if (processed) job.executor = plannedExecutor(processed);
    if (entry.serialGroup !== undefined) job.serialGroup = entry.serialGroup;
    return job;
  });
  markRunning(jobs, runs);
  return { name: workflow.name, runs, schedules, jobs };
}

/** A job runs when its workflow runs, its filters admit it and every job it requires runs. */
function markRunning(jobs: PlannedJob[], workflowRuns: boolean): void {
  const byName = new Map(jobs.map((j) => [j.name, j]));
  const done = new Set<string>();
  const visit = (job: PlannedJob, depth: number): boolean => {
    if (done.has(job.name) || depth > jobs.length) return job.runs;
    done.add(job.name);
    job.runs =
      workflowRuns &&
      job.filtersAdmit &&
      job.requires.every((r) => {
        const dep = byName.get(r);
        return dep ? visit(dep, depth + 1) : false;
      });
    return job.runs;
  };
  for (const job of jobs) visit(job, 0);
}
