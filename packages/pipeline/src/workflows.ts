// Workflows: job entries (requires, filters, context, approval, names, matrix), triggers, when/unless.
import { evaluate } from "./conditions";
import { child, type ErrorSink } from "./errors";
import { type JobFilters, parseFilters } from "./filters";
import { substitute } from "./interpolate";
import { LIMITS } from "./limits";
import { expandMatrix, generatedName } from "./matrix";
import type { Registry } from "./orbs";
import { checkKeys, describe, expectList, expectMap, isYamlMap, stringList, type YamlMap } from "./values";

/** One job of a workflow after matrix expansion, before its job body is expanded. */
export interface WorkflowJobEntry {
  /** Unique name within the workflow. */
  name: string;
  /** The invoked job definition (or the approval's own name). */
  ref: string;
  type: "build" | "approval";
  args: YamlMap;
  requires: string[];
  /** Statuses each required job may end in (absent: success only). */
  requireStatus: Record<string, RequiredStatus[]>;
  context: string[];
  filters?: JobFilters;
  /** `serial-group`: jobs sharing a group run one at a time across pipelines. */
  serialGroup?: string;
  preSteps: unknown[];
  postSteps: unknown[];
  /** Source path of the entry (`workflows.main.jobs[1]`). */
  path: string;
  /** Path of the entry's argument map (`workflows.main.jobs[1].build`). */
  argsPath: string;
}

/** Outcomes a `requires` entry can wait for; `terminal` means any final state. */
export const REQUIRED_STATUSES = ["success", "failed", "canceled", "not_run", "terminal"] as const;
export type RequiredStatus = (typeof REQUIRED_STATUSES)[number];

/** A 2.0 `triggers: - schedule:` entry. */
export interface ScheduleTrigger {
  cron: string;
  filters?: JobFilters;
}

export interface ParsedWorkflow {
  name: string;
  jobs: WorkflowJobEntry[];
  triggers: ScheduleTrigger[];
  /** `when`/`unless` as written (templates substituted) and their evaluation. */
  when?: unknown;
  unless?: unknown;
  conditionHolds: boolean;
  path: string;
}

const ENTRY_KEYS = ["requires", "filters", "context", "type", "name", "matrix", "pre-steps", "post-steps", "serial-group"];
const V21_ONLY = ["matrix", "pre-steps", "post-steps"];

/** Parses one workflow (already free of pipeline templates). */
export function parseWorkflow(
  sink: ErrorSink,
  registry: Registry,
  name: string,
  raw: unknown,
  path: string,
  v21: boolean,
): ParsedWorkflow | undefined {
  const body = expectMap(sink, path, raw, `workflow "${name}"`);
  if (!body) return undefined;
  checkKeys(sink, path, body, ["jobs", "triggers", "when", "unless"], `workflow "${name}"`);
  let holds = true;
  if (body.when !== undefined) holds &&= evaluate(body.when, sink, child(path, "when"));
  if (body.unless !== undefined) holds &&= !evaluate(body.unless, sink, child(path, "unless"));
  const workflow: ParsedWorkflow = {
    name,
    jobs: [],
    triggers: parseTriggers(sink, child(path, "triggers"), body.triggers),
    conditionHolds: holds,
    path,
  };
  if (body.when !== undefined) workflow.when = body.when;
  if (body.unless !== undefined) workflow.unless = body.unless;
  const list = expectList(sink, child(path, "jobs"), body.jobs, `the jobs of workflow "${name}"`);
  if (!list) return workflow;
  if (list.length === 0) sink.add(child(path, "jobs"), `workflow "${name}" has no jobs`);
  const aliases = new Map<string, string[]>();
  list.forEach((entry, index) => {
    if (workflow.jobs.length > LIMITS.maxWorkflowJobs) return;
    parseEntry(sink, registry, entry, child(child(path, "jobs"), index), v21, workflow.jobs, aliases);
  });
  if (workflow.jobs.length > LIMITS.maxWorkflowJobs)
    sink.add(child(path, "jobs"), `workflow "${name}" has more than ${LIMITS.maxWorkflowJobs} jobs`);
  resolveRequires(sink, workflow, aliases);
  return workflow;
}

function parseTriggers(sink: ErrorSink, path: string, raw: unknown): ScheduleTrigger[] {
  if (raw === undefined) return [];
  const out: ScheduleTrigger[] = [];
  (expectList(sink, path, raw, "triggers") ?? []).forEach((entry, index) => {
    const at = child(path, index);
    const trigger = expectMap(sink, at, entry, "a trigger");
    if (!trigger) return;
    checkKeys(sink, at, trigger, ["schedule"], "a trigger");
    const schedule = expectMap(sink, child(at, "schedule"), trigger.schedule, "schedule");
    if (!schedule) return;
    checkKeys(sink, child(at, "schedule"), schedule, ["cron", "filters"], "schedule");
    const cron = schedule.cron;
    if (typeof cron !== "string" || cron.trim().split(/\s+/).length !== 5) {
      sink.add(
        child(child(at, "schedule"), "cron"),
        `cron must be a five-field cron expression, but it is ${JSON.stringify(cron ?? null)}`,
      );
      return;
    }
    const filters = parseFilters(sink, child(child(at, "schedule"), "filters"), schedule.filters, false);
    if (!filters?.branches) sink.add(child(at, "schedule"), "a schedule needs filters.branches (CircleCI requires them)");
    out.push(filters ? { cron, filters } : { cron });
  });
  return out;
}

function parseEntry(
  sink: ErrorSink,
  registry: Registry,
  entry: unknown,
  path: string,
  v21: boolean,
  out: WorkflowJobEntry[],
  aliases: Map<string, string[]>,
): void {
  let ref: string;
  let options: YamlMap = {};
  if (typeof entry === "string") ref = entry;
  else if (isYamlMap(entry) && Object.keys(entry).length === 1) {
    ref = Object.keys(entry)[0] ?? "";
    const value = entry[ref];
    if (value !== null && value !== undefined) {
      const map = expectMap(sink, child(path, ref), value, `the options of job "${ref}"`);
      if (!map) return;
      options = map;
    }
  } else {
    sink.add(
      path,
      `a workflow job must be a job name or a map with one job name, but it is ${isYamlMap(entry) ? "a map with several keys" : describe(entry)}; check the indentation`,
    );
    return;
  }
  const argsPath = typeof entry === "string" ? path : child(path, ref);
  const approval = options.type === "approval";
  if (options.type !== undefined && !approval)
    sink.add(child(argsPath, "type"), `type must be "approval", but it is ${JSON.stringify(options.type)}`);
  const args: YamlMap = {};
  for (const [key, value] of Object.entries(options)) {
    if (ENTRY_KEYS.includes(key)) {
      if (!v21 && V21_ONLY.includes(key)) sink.add(child(argsPath, key), `${key} requires version: 2.1`);
      continue;
    }
    if (approval || !v21)
      sink.add(child(argsPath, key), `unknown key "${key}" in workflow job "${ref}"; expected one of: ${ENTRY_KEYS.join(", ")}`);
    else args[key] = value;
  }
  if (!approval && !registry.find("jobs", ref, "")) {
    sink.add(argsPath, `job "${ref}" is not defined in jobs${ref.includes("/") ? ` (and no loaded orb defines it)` : ""}`);
    return;
  }
  const combos = options.matrix === undefined ? undefined : expandMatrix(sink, child(argsPath, "matrix"), options.matrix);
  if (options.matrix !== undefined && !combos) return;
  const instances = combos ? combos.combinations : [undefined];
  const generated: string[] = [];
  for (const combo of instances) {
    // Workflows see no job parameters; `<< matrix.x >>` only inside a matrix.
    const scoped = substitute(
      { ...options, matrix: undefined },
      { matrix: combo ?? {}, parameters: {} },
      sink,
      argsPath,
    ) as YamlMap;
    const rawName = scoped.name ?? options.name;
    let name = typeof rawName === "string" ? rawName : ref;
    if (rawName !== undefined && typeof rawName !== "string")
      sink.add(child(argsPath, "name"), `name must be a string, but it is ${describe(rawName)}`);
    if (combo && combos && (typeof options.name !== "string" || !options.name.includes("<<")))
      name = generatedName(name, combos.names, combo);
    const instanceArgs: YamlMap = { ...args };
    for (const key of Object.keys(args)) instanceArgs[key] = scoped[key];
    if (combo) Object.assign(instanceArgs, combo);
    const requires = scoped.requires === undefined ? undefined : requireList(sink, child(argsPath, "requires"), scoped.requires);
    const job: WorkflowJobEntry = {
      name,
      ref,
      type: approval ? "approval" : "build",
      args: instanceArgs,
      requires: requires?.names ?? [],
      requireStatus: requires?.status ?? {},
      context: scoped.context === undefined ? [] : stringList(sink, child(argsPath, "context"), scoped.context, "context"),
      preSteps: stepList(sink, child(argsPath, "pre-steps"), scoped["pre-steps"]),
      postSteps: stepList(sink, child(argsPath, "post-steps"), scoped["post-steps"]),
      path,
      argsPath,
    };
    const group = scoped["serial-group"];
    if (typeof group === "string") job.serialGroup = group;
    else if (group !== undefined)
      sink.add(child(argsPath, "serial-group"), `serial-group must be a string, but it is ${describe(group)}`);
    const filters = parseFilters(sink, child(argsPath, "filters"), scoped.filters);
    if (filters) job.filters = filters;
    out.push(job);
    generated.push(name);
  }
  if (combos) {
    const alias = combos.alias ?? ref;
    aliases.set(alias, [...(aliases.get(alias) ?? []), ...generated]);
  }
}

function stepList(sink: ErrorSink, path: string, raw: unknown): unknown[] {
  if (raw === undefined || raw === null) return [];
  return expectList(sink, path, raw, "the steps") ?? [];
}

/** `requires` entries: names, or single-key maps `{ job: status | [statuses] }` (null means success). */
function requireList(sink: ErrorSink, path: string, raw: unknown): { names: string[]; status: Record<string, RequiredStatus[]> } {
  const names: string[] = [];
  const status: Record<string, RequiredStatus[]> = {};
  if (!Array.isArray(raw)) return { names: stringList(sink, path, raw, "requires"), status };
  raw.forEach((entry, index) => {
    const at = child(path, index);
    if (typeof entry === "string") names.push(entry);
    else if (isYamlMap(entry) && Object.keys(entry).length === 1) {
      const name = Object.keys(entry)[0] ?? "";
      names.push(name);
      const wanted = entry[name] === null ? [] : stringList(sink, child(at, name), entry[name], "a required job status");
      const bad = wanted.filter((w) => !(REQUIRED_STATUSES as readonly string[]).includes(w));
      if (bad.length > 0)
        sink.add(child(at, name), `job status must be one of ${REQUIRED_STATUSES.join(", ")}, but it is ${bad.join(", ")}`);
      else if (wanted.length > 0 && wanted.join() !== "success") status[name] = wanted as RequiredStatus[];
    } else
      sink.add(
        at,
        `each requires entry must be a job name or a map of a job name to statuses, but this one is ${describe(entry)}`,
      );
  });
  return { names, status };
}

/** Checks names are unique, expands matrix aliases in requires and refuses unknown jobs and cycles. */
function resolveRequires(sink: ErrorSink, workflow: ParsedWorkflow, aliases: Map<string, string[]>): void {
  const byName = new Map<string, WorkflowJobEntry>();
  for (const job of workflow.jobs) {
    if (byName.has(job.name)) {
      sink.add(
        job.argsPath,
        `job name "${job.name}" is used more than once in workflow "${workflow.name}"; give one of them a distinct name`,
      );
    }
    byName.set(job.name, job);
  }
  for (const job of workflow.jobs) {
    const resolved: string[] = [];
    const status: Record<string, RequiredStatus[]> = {};
    for (const req of job.requires) {
      const targets = byName.has(req) ? [req] : aliases.get(req);
      for (const t of targets ?? []) {
        resolved.push(t);
        const wanted = job.requireStatus[req];
        if (wanted) status[t] = wanted;
      }
      if (!targets)
        sink.add(child(job.argsPath, "requires"), `requires "${req}", which is not a job in workflow "${workflow.name}"`);
    }
    const unique = [...new Set(resolved)];
    if (unique.includes(job.name)) sink.add(child(job.argsPath, "requires"), `job "${job.name}" requires itself`);
    job.requires = unique.filter((r) => r !== job.name);
    job.requireStatus = status;
  }
  const cycle = findCycle(workflow.jobs);
  if (cycle) {
    const first = byName.get(cycle[0] ?? "");
    sink.add(
      first ? child(first.argsPath, "requires") : child(workflow.path, "jobs"),
      `dependency cycle in workflow "${workflow.name}": ${cycle.join(" -> ")}`,
    );
  }
}

/** Returns one cycle (`a -> b -> a`) in the requires graph, if any. Iterative, linear time. */
function findCycle(jobs: WorkflowJobEntry[]): string[] | undefined {
  const graph = new Map(jobs.map((j) => [j.name, j.requires]));
  const state = new Map<string, 1 | 2>();
  for (const start of graph.keys()) {
    if (state.has(start)) continue;
    const stack: Array<{ node: string; next: number }> = [{ node: start, next: 0 }];
    state.set(start, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (!top) break;
      const deps = graph.get(top.node) ?? [];
      if (top.next >= deps.length) {
        state.set(top.node, 2);
        stack.pop();
        continue;
      }
      const dep = deps[top.next++] ?? "";
      if (!graph.has(dep)) continue;
      if (state.get(dep) === 1) {
        const names = stack.map((s) => s.node);
        return [...names.slice(names.indexOf(dep)), dep];
      }
      if (!state.has(dep)) {
        state.set(dep, 1);
        stack.push({ node: dep, next: 0 });
      }
    }
  }
  return undefined;
}
