// ProcessedConfig → the 2.0-style YAML `circleci config process` prints.
import { stringify } from "yaml";
import type { ProcessedConfig, ProcessedWorkflowJob } from "./config";
import type { ProcessedJob } from "./expand";
import type { JobFilters } from "./filters";
import { yamlTags } from "./parse";
import type { StepSpec } from "./steps";

function emitStep(step: StepSpec): unknown {
  return Object.keys(step.args).length === 0 ? step.kind : { [step.kind]: step.args };
}

function emitJob(job: ProcessedJob): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of [
    "docker",
    "machine",
    "macos",
    "resource_class",
    "working_directory",
    "shell",
    "environment",
    "parallelism",
  ] as const) {
    if (job[key] !== undefined) out[key] = job[key];
  }
  out.steps = job.steps.map(emitStep);
  return out;
}

function emitFilters(filters: JobFilters): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ["branches", "tags"] as const) if (filters[key]) out[key] = { ...filters[key] };
  return out;
}

function emitWorkflowJob(job: ProcessedWorkflowJob): unknown {
  const key = job.job ?? job.name;
  const options: Record<string, unknown> = {};
  if (key !== job.name) options.name = job.name;
  if (job.type === "approval") options.type = "approval";
  if (job.requires.length > 0) {
    options.requires = job.requires.map((r) => {
      const status = job.requireStatus[r];
      return status ? { [r]: status.length === 1 ? status[0] : status } : r;
    });
  }
  if (job.context.length > 0) options.context = job.context;
  if (job.filters) options.filters = emitFilters(job.filters);
  if (job.serialGroup !== undefined) options["serial-group"] = job.serialGroup;
  return Object.keys(options).length === 0 ? key : { [key]: options };
}

/** Renders a processed config as YAML (version 2, jobs, workflows), like `circleci config process`. */
export function emitProcessed(config: ProcessedConfig): string {
  const jobs: Record<string, unknown> = {};
  for (const [name, job] of Object.entries(config.jobs)) jobs[name] = emitJob(job);
  const doc: Record<string, unknown> = { version: 2, ...(config.setup ? { setup: true } : {}), jobs };
  if (config.workflows) {
    const workflows: Record<string, unknown> = {};
    for (const w of config.workflows) {
      const body: Record<string, unknown> = {};
      if (w.triggers.length > 0) {
        body.triggers = w.triggers.map((t) => ({
          schedule: { cron: t.cron, ...(t.filters ? { filters: emitFilters(t.filters) } : {}) },
        }));
      }
      if (w.when !== undefined) body.when = w.when;
      if (w.unless !== undefined) body.unless = w.unless;
      body.jobs = w.jobs.map(emitWorkflowJob);
      workflows[w.name] = body;
    }
    workflows.version = 2;
    doc.workflows = workflows;
  }
  return stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false, version: "1.1", customTags: yamlTags });
}
