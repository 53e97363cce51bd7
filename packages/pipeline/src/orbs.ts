// Definitions registry: the config's own jobs/commands/executors plus those of inline and local orbs.
import { child, type ErrorSink } from "./errors";
import { LIMITS } from "./limits";
import { type ParameterDefs, parseParameterDefs } from "./parameters";
import { parseYaml } from "./parse";
import { checkKeys, describe, expectMap, isYamlMap, type YamlMap } from "./values";

/** A registry orb reference, `namespace/name@version`. */
export interface OrbReference {
  namespace: string;
  name: string;
  version: string;
  /** The reference as written. */
  ref: string;
}

/**
 * Supplies orb source for registry references (Citadel cannot reach the orb registry). Returns the
 * orb's YAML text, or undefined when the orb is not available. The CLI maps `--orb-dir DIR` to
 * `DIR/<namespace>/<name>@<version>.yml`.
 */
export type OrbResolver = (orb: OrbReference) => string | undefined;

export type DefinitionKind = "jobs" | "commands" | "executors";

export interface Definition {
  /** Full name as referenced from the config (`build`, `node/install`). */
  name: string;
  body: YamlMap;
  parameters: ParameterDefs;
  /** Source path of the definition (`jobs.build`, `orbs.node.commands.install`). */
  path: string;
  /** Name prefix of the defining orb (`node/`), empty for the config itself. */
  scope: string;
}

export class Registry {
  readonly jobs = new Map<string, Definition>();
  readonly commands = new Map<string, Definition>();
  readonly executors = new Map<string, Definition>();

  /** Looks a name up as seen from `scope`: the orb's own names first, then the config's. */
  find(kind: DefinitionKind, name: string, scope: string): Definition | undefined {
    return this[kind].get(scope + name) ?? (scope ? undefined : this[kind].get(name));
  }
}

/** `namespace/name@version`; versions are semver-like (`5.2.0`, `volatile`, `dev:alpha`), never a path. */
const ORB_REF = /^([a-z0-9_-]+)\/([a-z0-9_-]+)@([A-Za-z0-9_.:+-]+)$/i;
const ORB_KEYS = ["version", "description", "display", "orbs", "commands", "jobs", "executors", "examples"];

/** Registers `jobs`, `commands` and `executors` of one definitions map (the config or an orb). */
export function registerDefinitions(sink: ErrorSink, registry: Registry, source: YamlMap, path: string, scope: string): void {
  for (const kind of ["jobs", "commands", "executors"] as const) {
    const raw = source[kind];
    if (raw === undefined || raw === null) continue;
    const map = expectMap(sink, child(path, kind), raw, kind);
    if (!map) continue;
    for (const [name, body] of Object.entries(map)) {
      const at = child(child(path, kind), name);
      // Job names may contain "/" (processed configs name orb jobs `orb/job`); commands and executors may not.
      const valid = kind === "jobs" ? /^[^\n]+$/ : /^[A-Za-z0-9_.-]+$/;
      if (!valid.test(name)) sink.add(at, `"${name}" is not a valid ${kind.slice(0, -1)} name`);
      const def = expectMap(sink, at, body, `${kind.slice(0, -1)} "${name}"`);
      if (!def) continue;
      const parameters = parseParameterDefs(sink, child(at, "parameters"), def.parameters);
      registry[kind].set(scope + name, { name: scope + name, body: def, parameters, path: at, scope });
    }
  }
}

function orbBody(
  sink: ErrorSink,
  path: string,
  alias: string,
  value: unknown,
  resolver: OrbResolver | undefined,
): YamlMap | undefined {
  if (isYamlMap(value)) return value;
  if (typeof value !== "string") {
    sink.add(
      path,
      `orb "${alias}" must be a reference like namespace/name@version or an inline orb map, but it is ${describe(value)}`,
    );
    return undefined;
  }
  const match = ORB_REF.exec(value);
  if (!match?.[1] || !match[2] || !match[3] || match[3].includes("..")) {
    sink.add(path, `"${value}" is not an orb reference; expected namespace/name@version`);
    return undefined;
  }
  const reference: OrbReference = { namespace: match[1], name: match[2], version: match[3], ref: value };
  const text = resolver?.(reference);
  if (text === undefined) {
    sink.add(
      path,
      `orb ${value} is not available: Citadel cannot fetch orbs from the registry; put its YAML at <orb-dir>/${reference.namespace}/${reference.name}@${reference.version}.yml and pass --orb-dir (or configure the orb directory), or inline the orb`,
    );
    return undefined;
  }
  const parsed = parseYaml(text);
  if (!parsed.ok) {
    for (const e of parsed.errors) sink.add(path, `orb ${value} (line ${e.line}, column ${e.column}): ${e.message}`);
    return undefined;
  }
  if (!isYamlMap(parsed.value.value)) {
    sink.add(path, `orb ${value} must be a YAML map`);
    return undefined;
  }
  return parsed.value.value;
}

/** Loads the orbs of `source` (recursively, bounded) into the registry under `scope + alias + "/"`. */
export function registerOrbs(
  sink: ErrorSink,
  registry: Registry,
  source: YamlMap,
  path: string,
  scope: string,
  resolver: OrbResolver | undefined,
  depth = 0,
): void {
  const raw = source.orbs;
  if (raw === undefined || raw === null) return;
  const orbs = expectMap(sink, child(path, "orbs"), raw, "orbs");
  if (!orbs) return;
  if (depth >= LIMITS.maxOrbDepth) {
    sink.add(child(path, "orbs"), `orbs are nested more than ${LIMITS.maxOrbDepth} levels deep`);
    return;
  }
  for (const [alias, value] of Object.entries(orbs)) {
    const at = child(child(path, "orbs"), alias);
    const body = orbBody(sink, at, alias, value, resolver);
    if (!body) continue;
    checkKeys(sink, at, body, ORB_KEYS, `orb "${alias}"`);
    const orbScope = `${scope}${alias}/`;
    registerOrbs(sink, registry, body, at, orbScope, resolver, depth + 1);
    registerDefinitions(sink, registry, body, at, orbScope);
  }
}
