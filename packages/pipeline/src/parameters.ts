// Parameter declarations (jobs, commands, executors, pipeline) and binding invocation arguments to them.
import { child, type ErrorSink } from "./errors";
import { checkKeys, describe, expectMap, hasTemplate, isYamlMap, type YamlMap } from "./values";

export const PARAMETER_TYPES = ["string", "boolean", "integer", "enum", "executor", "steps", "env_var_name"] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

export interface ParameterDef {
  type: ParameterType;
  /** Present when the declaration has a `default` (which may be null for strings). */
  default?: unknown;
  hasDefault: boolean;
  /** Allowed values for `enum`. */
  enum: string[];
  /** Where it was declared (for messages). */
  path: string;
}

export type ParameterDefs = Record<string, ParameterDef>;

const ENV_VAR = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks `value` against a declaration; returns a sentence describing the mismatch, if any. */
export function checkValue(def: ParameterDef, value: unknown): string | undefined {
  if (hasTemplate(value)) return undefined; // left for a later pass (e.g. an unset pipeline value)
  switch (def.type) {
    case "string":
      return typeof value === "string" || typeof value === "number" || value === null
        ? undefined
        : `must be a string, but it is ${describe(value)}`;
    case "boolean":
      return typeof value === "boolean" ? undefined : `must be a boolean (true or false), but it is ${describe(value)}`;
    case "integer":
      return Number.isInteger(value) ? undefined : `must be an integer, but it is ${describe(value)}`;
    case "enum":
      return typeof value === "string" && def.enum.includes(value)
        ? undefined
        : `must be one of ${def.enum.map((e) => JSON.stringify(e)).join(", ")}, but it is ${JSON.stringify(value)}`;
    case "env_var_name":
      return typeof value === "string" && ENV_VAR.test(value)
        ? undefined
        : `must be an environment variable name, but it is ${JSON.stringify(value)}`;
    case "steps":
      return Array.isArray(value) ? undefined : `must be a list of steps, but it is ${describe(value)}`;
    case "executor":
      return typeof value === "string" || (isYamlMap(value) && typeof value.name === "string")
        ? undefined
        : `must be an executor name or a map with a name, but it is ${describe(value)}`;
  }
}

/** Parses a `parameters:` declaration block. `allowed` restricts types (pipeline parameters). */
export function parseParameterDefs(
  sink: ErrorSink,
  path: string,
  raw: unknown,
  allowed: readonly ParameterType[] = PARAMETER_TYPES,
): ParameterDefs {
  const defs: ParameterDefs = {};
  if (raw === undefined || raw === null) return defs;
  const map = expectMap(sink, path, raw, "parameters");
  if (!map) return defs;
  for (const [name, spec] of Object.entries(map)) {
    const at = child(path, name);
    const body = expectMap(sink, at, spec, `parameter "${name}"`);
    if (!body) continue;
    checkKeys(sink, at, body, ["type", "default", "description", "enum"], `parameter "${name}"`);
    const type = body.type;
    if (typeof type !== "string" || !(allowed as readonly string[]).includes(type)) {
      sink.add(
        child(at, "type"),
        `parameter type must be one of ${allowed.join(", ")}, but it is ${JSON.stringify(type ?? null)}`,
      );
      continue;
    }
    const enumValues: string[] = [];
    if (type === "enum") {
      if (!Array.isArray(body.enum) || body.enum.length === 0) sink.add(at, "an enum parameter needs a non-empty enum list");
      else for (const e of body.enum) enumValues.push(String(e));
    }
    const def: ParameterDef = {
      type: type as ParameterType,
      hasDefault: Object.hasOwn(body, "default"),
      enum: enumValues,
      path: at,
    };
    if (def.hasDefault) {
      def.default = body.default;
      if (/<<\s*(parameters|matrix)\./.test(JSON.stringify(body.default) ?? "")) {
        sink.add(child(at, "default"), `the default of parameter "${name}" cannot refer to other parameters`);
      }
      const problem = type === "string" && body.default === null ? undefined : checkValue(def, body.default);
      if (problem) sink.add(child(at, "default"), `the default of parameter "${name}" ${problem}`);
    }
    defs[name] = def;
  }
  return defs;
}

/**
 * Binds invocation arguments to declarations: reports unknown, missing and mistyped ones, and
 * returns every declared parameter's value (defaults filled in).
 */
export function bindArguments(
  sink: ErrorSink,
  defs: ParameterDefs,
  args: YamlMap,
  argsPath: string,
  callee: string,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(args)) {
    const def = defs[name];
    if (!def) {
      const known = Object.keys(defs);
      sink.add(
        child(argsPath, name),
        `${callee} has no parameter "${name}"${known.length ? ` (parameters: ${known.join(", ")})` : ""}`,
      );
      continue;
    }
    const problem = checkValue(def, value);
    if (problem) sink.add(child(argsPath, name), `parameter "${name}" of ${callee} ${problem}`);
    values[name] = def.type === "string" && typeof value === "number" ? String(value) : value;
  }
  for (const [name, def] of Object.entries(defs)) {
    if (Object.hasOwn(values, name) || Object.hasOwn(args, name)) continue;
    if (def.hasDefault) values[name] = def.type === "string" && def.default === null ? "" : def.default;
    else if (def.type === "steps") values[name] = [];
    else sink.add(argsPath, `${callee} requires parameter "${name}", which has no default`);
  }
  return values;
}
