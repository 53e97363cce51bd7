// The whole config: version, pipeline parameters, orbs and definitions, workflows → a processed (2.0-style) config.
import { child, ErrorSink, type Result } from "./errors";
import { type ExpandContext, expandJob, expandSteps, type ProcessedJob, resolveExecutor } from "./expand";
import type { JobFilters } from "./filters";
import { type PipelineScope, substitute } from "./interpolate";
import { LIMITS } from "./limits";
import { type Definition, type OrbResolver, Registry, registerDefinitions, registerOrbs } from "./orbs";
import { bindArguments, type ParameterDefs, parseParameterDefs } from "./parameters";
import { parseYaml } from "./parse";
import { describe, isYamlMap, type YamlMap } from "./values";
import { type ParsedWorkflow, parseWorkflow, type RequiredStatus, type ScheduleTrigger } from "./workflows";

export interface ExpandOptions {
  /** Pipeline parameter values (checked against the config's top-level `parameters`). */
  pipelineParameters?: Record<string, unknown>;
  /** Pipeline values by full name (`pipeline.git.branch`); absent ones stay as literal templates. */
  pipelineValues?: Record<string, unknown>;
  /** Source of registry orbs (`namespace/name@version`). */
  orbResolver?: OrbResolver;
}

export interface ProcessedWorkflowJob {
  /** Name unique within the workflow. */
  name: string;
  /** Key of the processed job in `ProcessedConfig.jobs` (absent for approvals). */
  job?: string;
  /** The job definition invoked (`test`, `node/test`), or the approval's own name. */
  definition: string;
  type: "build" | "approval";
  requires: string[];
  /** Statuses other than plain success that a required job may end in. */
  requireStatus: Record<string, RequiredStatus[]>;
  context: string[];
  filters?: JobFilters;
  serialGroup?: string;
}

export interface ProcessedWorkflow {
  name: string;
  triggers: ScheduleTrigger[];
  when?: unknown;
  unless?: unknown;
  /** Whether `when`/`unless` hold for the pipeline values given. */
  conditionHolds: boolean;
  jobs: ProcessedWorkflowJob[];
}

/** A config after 2.1 expansion: what `circleci config process` prints, as data. */
export interface ProcessedConfig {
  /** Version written in the source. */
  version: "2" | "2.1";
  /** Pipeline parameter values in effect (defaults filled in). */
  parameters: Record<string, unknown>;
  /** `setup: true`: a dynamic-configuration setup config. */
  setup: boolean;
  jobs: Record<string, ProcessedJob>;
  /** Undefined when the config has no workflows (CircleCI then runs the single job `build`). */
  workflows?: ProcessedWorkflow[];
}

const V21_TOP = ["orbs", "executors", "commands", "parameters"];

/** Parses, validates and expands a config. Reports every problem found, never throws. */
export function expandConfig(text: string, options: ExpandOptions = {}): Result<ProcessedConfig> {
  const parsed = parseYaml(text);
  if (!parsed.ok) return parsed;
  const sink = new ErrorSink(parsed.value.positions, LIMITS.maxErrors);
  const root = parsed.value.value;
  if (!isYamlMap(root)) {
    sink.add("", `the config must be a map with version, jobs and workflows, but it is ${describe(root)}`);
    return sink.result(emptyConfig());
  }
  const version = checkVersion(sink, root.version);
  const v21 = version === "2.1";
  // Other top-level keys are allowed: real configs keep YAML anchors under keys such as `references:`.
  if (!v21) for (const key of V21_TOP) if (root[key] !== undefined) sink.add(key, `${key} requires version: 2.1`);
  const paramDefs = parseParameterDefs(sink, "parameters", root.parameters, ["string", "boolean", "integer", "enum"]);
  const parameters = pipelineParameterValues(sink, paramDefs, options.pipelineParameters ?? {});
  const pipeline: PipelineScope = { values: { ...options.pipelineValues }, declared: new Set(Object.keys(paramDefs)) };
  for (const [k, v] of Object.entries(parameters)) pipeline.values[`pipeline.parameters.${k}`] = v;
  const { parameters: _declared, ...rest } = root;
  const config = substitute(rest, v21 ? { pipeline } : {}, sink, "") as YamlMap;

  const registry = new Registry();
  if (v21) registerOrbs(sink, registry, config, "", "", options.orbResolver);
  registerDefinitions(sink, registry, config, "", "");
  if (!v21) checkV20Jobs(sink, registry);
  const ctx: ExpandContext = { sink, registry, budget: { remaining: LIMITS.maxExpandedSteps } };
  if (root.setup !== undefined && typeof root.setup !== "boolean")
    sink.add("setup", `setup must be true or false, but it is ${describe(root.setup)}`);
  const out: ProcessedConfig = { version, parameters, setup: root.setup === true, jobs: {} };

  if (config.workflows === undefined || config.workflows === null) {
    const where = config.jobs === undefined || config.jobs === null ? "" : "jobs";
    if (!registry.jobs.has("build"))
      sink.add(where, "a job named build is required when there are no workflows (CircleCI runs only build)");
  } else {
    out.workflows = processWorkflows(ctx, config.workflows, v21, out.jobs);
  }
  // Validate (and, without workflows, emit) every job of the config itself that needs no arguments.
  for (const def of registry.jobs.values()) {
    if (def.scope || needsArguments(def)) continue;
    const job = expandJob(ctx, def, {}, def.path);
    if (job && !out.workflows) out.jobs[def.name] = job;
  }
  const build = registry.jobs.get("build");
  if (!out.workflows && build && !build.scope && needsArguments(build)) {
    sink.add(build.path, "without workflows CircleCI runs build with no arguments, but it has parameters without defaults");
  }
  validateUnused(ctx);
  return sink.result(out);
}

function needsArguments(def: Definition): boolean {
  return Object.values(def.parameters).some((p) => !p.hasDefault && p.type !== "steps");
}

/** Expands the config's own commands and executors once with default arguments, to report their errors too. */
function validateUnused(ctx: ExpandContext): void {
  for (const def of ctx.registry.commands.values()) {
    if (!def.scope && !needsArguments(def)) expandSteps(ctx, [def.name], def.path, "", [], []);
  }
  for (const def of ctx.registry.executors.values()) {
    if (!def.scope && !needsArguments(def)) resolveExecutor(ctx, def.name, def.path, "");
  }
}

function emptyConfig(): ProcessedConfig {
  return { version: "2.1", parameters: {}, setup: false, jobs: {} };
}

function checkVersion(sink: ErrorSink, raw: unknown): "2" | "2.1" {
  if (raw === undefined) {
    sink.add("", "version is required (2, 2.0 or 2.1)");
    return "2.1";
  }
  const text = String(raw);
  if (text === "2" || text === "2.0") return "2";
  if (text === "2.1") return "2.1";
  sink.add("version", `version must be 2, 2.0 or 2.1, but it is ${JSON.stringify(raw)}`);
  return "2.1";
}

function checkV20Jobs(sink: ErrorSink, registry: Registry): void {
  for (const def of registry.jobs.values()) {
    for (const key of ["parameters", "executor"])
      if (def.body[key] !== undefined) sink.add(child(def.path, key), `${key} in a job requires version: 2.1`);
  }
}

function pipelineParameterValues(sink: ErrorSink, defs: ParameterDefs, given: Record<string, unknown>): Record<string, unknown> {
  const withDefaults: ParameterDefs = {};
  for (const [name, def] of Object.entries(defs)) {
    if (!def.hasDefault) sink.add(def.path, `pipeline parameter "${name}" needs a default`);
    withDefaults[name] = def.hasDefault ? def : { ...def, hasDefault: true, default: "" };
  }
  return bindArguments(sink, withDefaults, given, "parameters", "the pipeline");
}

function processWorkflows(
  ctx: ExpandContext,
  raw: unknown,
  v21: boolean,
  jobs: Record<string, ProcessedJob>,
): ProcessedWorkflow[] {
  const { sink } = ctx;
  if (!isYamlMap(raw)) {
    sink.add("workflows", `workflows must be a map, but it is ${describe(raw)}`);
    return [];
  }
  const out: ProcessedWorkflow[] = [];
  for (const [name, body] of Object.entries(raw)) {
    const path = child("workflows", name);
    if (name === "version") {
      if (String(body) !== "2") sink.add(path, `workflows version must be 2, but it is ${JSON.stringify(body)}`);
      continue;
    }
    const parsed = parseWorkflow(sink, ctx.registry, name, body, path, v21);
    if (parsed) out.push(processWorkflow(ctx, parsed, jobs));
  }
  if (out.length === 0 && Object.keys(raw).some((k) => k !== "version")) return out;
  if (out.length === 0) sink.add("workflows", "workflows has no workflow");
  return out;
}

function processWorkflow(ctx: ExpandContext, parsed: ParsedWorkflow, jobs: Record<string, ProcessedJob>): ProcessedWorkflow {
  const workflow: ProcessedWorkflow = {
    name: parsed.name,
    triggers: parsed.triggers,
    conditionHolds: parsed.conditionHolds,
    jobs: [],
  };
  if (parsed.when !== undefined) workflow.when = parsed.when;
  if (parsed.unless !== undefined) workflow.unless = parsed.unless;
  for (const entry of parsed.jobs) {
    const job: ProcessedWorkflowJob = {
      name: entry.name,
      definition: entry.ref,
      type: entry.type,
      requires: entry.requires,
      requireStatus: entry.requireStatus,
      context: entry.context,
    };
    if (entry.filters) job.filters = entry.filters;
    if (entry.serialGroup !== undefined) job.serialGroup = entry.serialGroup;
    if (entry.type === "build") {
      const def = ctx.registry.find("jobs", entry.ref, "");
      const extra = { pre: entry.preSteps, post: entry.postSteps, path: entry.argsPath };
      const expanded = def ? expandJob(ctx, def, entry.args, entry.argsPath, extra) : undefined;
      if (expanded) job.job = jobKey(jobs, entry.name, expanded);
    }
    workflow.jobs.push(job);
  }
  return workflow;
}

/** The processed-job key for a workflow job: its own name unless another, different job took it. */
function jobKey(jobs: Record<string, ProcessedJob>, name: string, job: ProcessedJob): string {
  const text = JSON.stringify(job);
  for (let n = 1; ; n++) {
    const key = n === 1 ? name : `${name}-${n}`;
    const existing = jobs[key];
    if (!existing) {
      jobs[key] = job;
      return key;
    }
    if (JSON.stringify(existing) === text) return key;
  }
}
