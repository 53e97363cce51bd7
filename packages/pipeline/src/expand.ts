// 2.1 expansion of one job invocation: parameters, executor, commands, when/unless steps, pre/post-steps.
import { evaluate } from "./conditions";
import { child, type ErrorSink } from "./errors";
import { EXECUTOR_COMMON, EXECUTOR_KINDS, type ExecutorFields, executorFields, mergeExecutor } from "./executors";
import { substitute } from "./interpolate";
import { LIMITS } from "./limits";
import type { Definition, Registry } from "./orbs";
import { bindArguments } from "./parameters";
import { isBuiltinStep, type StepSpec, validateBuiltin } from "./steps";
import { checkKeys, describe, isYamlMap, type YamlMap } from "./values";

/** A job after expansion, in 2.0 form: executor fields inlined, steps built-in only. */
export interface ProcessedJob extends ExecutorFields {
  parallelism?: number;
  steps: StepSpec[];
}

/** Shared budget so nested or repeated command invocations stay bounded in time and memory. */
export interface ExpansionBudget {
  remaining: number;
}

export interface ExpandContext {
  sink: ErrorSink;
  registry: Registry;
  budget: ExpansionBudget;
}

const JOB_KEYS = [
  ...EXECUTOR_KINDS,
  ...EXECUTOR_COMMON,
  "executor",
  "parallelism",
  "steps",
  "parameters",
  "description",
  "circleci_ip_ranges",
  "branches",
  "retention",
];
const EXECUTOR_KEYS = [...EXECUTOR_KINDS, ...EXECUTOR_COMMON, "parameters", "description"];

/** Steps from a workflow entry's pre-steps/post-steps, expanded in the config's own scope. */
export interface ExtraSteps {
  pre: unknown[];
  post: unknown[];
  path: string;
}

/** Expands one invocation of job definition `def` with `args`; undefined when it had errors. */
export function expandJob(
  ctx: ExpandContext,
  def: Definition,
  args: YamlMap,
  argsPath: string,
  extra?: ExtraSteps,
): ProcessedJob | undefined {
  const { sink } = ctx;
  const before = sink.count;
  const params = bindArguments(sink, def.parameters, args, argsPath, `job "${def.name}"`);
  const { parameters: _declared, description: _description, ...rest } = def.body;
  const body = substitute(rest, { parameters: params }, sink, def.path) as YamlMap;
  checkKeys(sink, def.path, def.body, JOB_KEYS, `job "${def.name}"`);
  if (body.executor !== undefined && EXECUTOR_KINDS.some((k) => body[k] !== undefined)) {
    sink.add(child(def.path, "executor"), "a job may give executor or docker/machine/macos, not both");
  }
  let fields = executorFields(sink, def.path, body, body.executor === undefined);
  if (body.executor !== undefined) {
    const base = resolveExecutor(ctx, body.executor, child(def.path, "executor"), def.scope);
    if (base) fields = mergeExecutor(base, fields);
  }
  const job: ProcessedJob = { ...fields, steps: [] };
  if (body.parallelism !== undefined) {
    const p = body.parallelism;
    if (Number.isInteger(p) && (p as number) >= 1) job.parallelism = p as number;
    else sink.add(child(def.path, "parallelism"), `parallelism must be a positive integer, but it is ${JSON.stringify(p)}`);
  }
  const stepsPath = child(def.path, "steps");
  if (!Array.isArray(body.steps))
    sink.add(
      def.path,
      body.steps === undefined ? "steps is required" : `steps must be a list, but it is ${describe(body.steps)}`,
    );
  const out: StepSpec[] = [];
  if (extra) expandSteps(ctx, extra.pre, child(extra.path, "pre-steps"), "", [], out);
  if (Array.isArray(body.steps)) expandSteps(ctx, body.steps, stepsPath, def.scope, [], out);
  if (extra) expandSteps(ctx, extra.post, child(extra.path, "post-steps"), "", [], out);
  if (out.length > LIMITS.maxStepsPerJob) sink.add(stepsPath, `the job expands to more than ${LIMITS.maxStepsPerJob} steps`);
  job.steps = out;
  return sink.count === before ? job : undefined;
}

/** Resolves `executor: name` or `executor: { name, ...args }` to executor fields. */
export function resolveExecutor(ctx: ExpandContext, ref: unknown, path: string, scope: string): ExecutorFields | undefined {
  const { sink } = ctx;
  let name: unknown = ref;
  let args: YamlMap = {};
  if (isYamlMap(ref)) {
    ({ name, ...args } = ref);
  }
  if (typeof name !== "string") {
    sink.add(path, `executor must be a name or a map with a name, but it is ${describe(ref)}`);
    return undefined;
  }
  const def = ctx.registry.find("executors", name, scope);
  if (!def) {
    sink.add(path, `executor "${name}" is not defined${scope ? ` in orb ${scope.slice(0, -1)}` : ""}`);
    return undefined;
  }
  checkKeys(sink, def.path, def.body, EXECUTOR_KEYS, `executor "${def.name}"`);
  const params = bindArguments(sink, def.parameters, args, path, `executor "${def.name}"`);
  const { parameters: _p, description: _d, ...rest } = def.body;
  const body = substitute(rest, { parameters: params }, sink, def.path) as YamlMap;
  return executorFields(sink, def.path, body, true);
}

/**
 * Expands a list of steps into built-in steps (appended to `out`). `scope` is the orb prefix for
 * name lookups; `stack` holds the commands being expanded (to refuse cycles).
 */
export function expandSteps(
  ctx: ExpandContext,
  steps: unknown[],
  path: string,
  scope: string,
  stack: string[],
  out: StepSpec[],
): void {
  steps.forEach((step, index) => {
    expandStep(ctx, step, child(path, index), scope, stack, out);
  });
}

function expandStep(ctx: ExpandContext, step: unknown, path: string, scope: string, stack: string[], out: StepSpec[]): void {
  const { sink } = ctx;
  ctx.budget.remaining -= 1;
  if (ctx.budget.remaining < 0) {
    if (ctx.budget.remaining === -1)
      sink.add(path, "the config expands to too many steps; stopping (check for commands that invoke each other repeatedly)");
    return;
  }
  let name: string;
  let args: unknown;
  if (typeof step === "string") {
    name = step;
    args = undefined;
  } else if (isYamlMap(step)) {
    const keys = Object.keys(step);
    if (keys.length !== 1 || !keys[0]) {
      sink.add(
        path,
        `a step must be a map with exactly one key (the step or command name), but this one has ${keys.length ? keys.join(", ") : "none"}; check the indentation of its arguments`,
      );
      return;
    }
    name = keys[0];
    args = step[name];
  } else {
    sink.add(path, `a step must be a name or a map, but it is ${describe(step)}`);
    return;
  }
  const at = child(path, name);
  if (name === "when" || name === "unless") {
    conditionalStep(ctx, name, args, at, scope, stack, out);
    return;
  }
  if (isBuiltinStep(name)) {
    const spec = validateBuiltin(sink, at, name, args);
    if (spec) out.push(spec);
    return;
  }
  const def = ctx.registry.find("commands", name, scope);
  if (!def) {
    sink.add(path, `"${name}" is not a built-in step or a defined command${scope ? ` of orb ${scope.slice(0, -1)}` : ""}`);
    return;
  }
  if (stack.includes(def.name)) {
    sink.add(at, `command "${def.name}" invokes itself (${[...stack.slice(stack.indexOf(def.name)), def.name].join(" -> ")})`);
    return;
  }
  if (stack.length >= LIMITS.maxCommandDepth) {
    sink.add(at, `commands are nested more than ${LIMITS.maxCommandDepth} levels deep`);
    return;
  }
  if (args !== undefined && args !== null && !isYamlMap(args)) {
    sink.add(at, `command "${def.name}" takes a map of parameters, but it has ${describe(args)}`);
    return;
  }
  checkKeys(sink, def.path, def.body, ["steps", "parameters", "description"], `command "${def.name}"`);
  const params = bindArguments(sink, def.parameters, (args as YamlMap | null) ?? {}, at, `command "${def.name}"`);
  const body = substitute(def.body.steps, { parameters: params }, sink, child(def.path, "steps"));
  if (!Array.isArray(body)) {
    sink.add(def.path, body === undefined ? "steps is required" : `steps must be a list, but it is ${describe(body)}`);
    return;
  }
  expandSteps(ctx, body, child(def.path, "steps"), def.scope, [...stack, def.name], out);
}

function conditionalStep(
  ctx: ExpandContext,
  kind: string,
  args: unknown,
  path: string,
  scope: string,
  stack: string[],
  out: StepSpec[],
): void {
  const { sink } = ctx;
  if (!isYamlMap(args)) {
    sink.add(path, `a ${kind} step takes a map with condition and steps, but it has ${describe(args)}`);
    return;
  }
  checkKeys(sink, path, args, ["condition", "steps"], `a ${kind} step`);
  if (!Object.hasOwn(args, "condition")) sink.add(path, "condition is required");
  if (!Array.isArray(args.steps)) {
    sink.add(path, args.steps === undefined ? "steps is required" : `steps must be a list, but it is ${describe(args.steps)}`);
    return;
  }
  const holds = evaluate(args.condition, sink, child(path, "condition"));
  // Steps of a branch not taken are still validated (into a discarded list), as CircleCI does.
  expandSteps(ctx, args.steps, child(path, "steps"), scope, stack, holds === (kind === "when") ? out : []);
}
