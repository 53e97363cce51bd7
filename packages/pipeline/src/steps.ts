// Built-in steps: validation into one canonical `{ kind: args }` form shared by `process` and `compile`.
import { child, type ErrorSink } from "./errors";
import { checkKeys, describe, environment, hasTemplate, isYamlMap, stringList, type YamlMap } from "./values";

/** A validated built-in step: its kind and its arguments in map form. */
export interface StepSpec {
  kind: BuiltinStep;
  args: YamlMap;
}

const RUN_KEYS = [
  "name",
  "command",
  "shell",
  "environment",
  "working_directory",
  "background",
  "no_output_timeout",
  "when",
  "max_auto_reruns",
  "auto_rerun_delay",
];

const STEP_KEYS = {
  checkout: ["name", "path", "method"],
  run: RUN_KEYS,
  deploy: RUN_KEYS,
  save_cache: ["name", "key", "paths", "when"],
  restore_cache: ["name", "key", "keys"],
  store_artifacts: ["name", "path", "destination"],
  store_test_results: ["name", "path"],
  persist_to_workspace: ["name", "root", "paths"],
  attach_workspace: ["name", "at"],
  add_ssh_keys: ["name", "fingerprints"],
  setup_remote_docker: ["name", "version", "docker_layer_caching"],
} as const;

export type BuiltinStep = keyof typeof STEP_KEYS;

export function isBuiltinStep(name: string): name is BuiltinStep {
  return Object.hasOwn(STEP_KEYS, name);
}

const REQUIRED: Partial<Record<BuiltinStep, string[]>> = {
  run: ["command"],
  deploy: ["command"],
  save_cache: ["key", "paths"],
  store_artifacts: ["path"],
  store_test_results: ["path"],
  persist_to_workspace: ["root", "paths"],
  attach_workspace: ["at"],
};

const STRING_FIELDS = [
  "name",
  "command",
  "shell",
  "working_directory",
  "key",
  "path",
  "destination",
  "root",
  "at",
  "version",
  "method",
];
const BOOLEAN_FIELDS = ["background", "docker_layer_caching"];
const LIST_FIELDS = ["paths", "keys", "fingerprints"];

/** Validates one built-in step invocation (`args` may be a string for `run`/`deploy`). */
export function validateBuiltin(sink: ErrorSink, path: string, kind: BuiltinStep, raw: unknown): StepSpec | undefined {
  let args: YamlMap;
  if (raw === undefined || raw === null) args = {};
  else if ((kind === "run" || kind === "deploy") && typeof raw === "string") args = { command: raw };
  else if (isYamlMap(raw)) args = { ...raw };
  else {
    sink.add(path, `the ${kind} step takes a map${kind === "run" ? " or a command string" : ""}, but it has ${describe(raw)}`);
    return undefined;
  }
  const before = sink.count;
  checkKeys(sink, path, args, STEP_KEYS[kind], `the ${kind} step`);
  for (const key of REQUIRED[kind] ?? []) {
    if (args[key] === undefined || args[key] === null) sink.add(path, `${key} is required`);
  }
  if (kind === "restore_cache" && args.key === undefined && args.keys === undefined) sink.add(path, "key or keys is required");
  for (const [key, value] of Object.entries(args)) {
    const at = child(path, key);
    if (value === undefined || value === null || hasTemplate(value)) continue;
    if (STRING_FIELDS.includes(key) && typeof value !== "string") {
      if (typeof value === "number" && (key === "version" || key === "key")) args[key] = String(value);
      else sink.add(at, `${key} must be a string, but it is ${describe(value)}`);
    } else if (BOOLEAN_FIELDS.includes(key) && typeof value !== "boolean")
      sink.add(at, `${key} must be true or false, but it is ${describe(value)}`);
    else if (LIST_FIELDS.includes(key)) args[key] = stringList(sink, at, value, key);
    else if (key === "environment") args[key] = environment(sink, at, value);
    else if (key === "when" && !["on_success", "on_fail", "always"].includes(String(value))) {
      sink.add(at, `when must be one of on_success, on_fail, always, but it is ${JSON.stringify(value)}`);
    } else if (key === "max_auto_reruns" && !(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 5)) {
      sink.add(at, `max_auto_reruns must be an integer from 1 to 5, but it is ${JSON.stringify(value)}`);
    } else if ((key === "no_output_timeout" || key === "auto_rerun_delay") && !/^\d+(\.\d+)?\s*[smh]?$/.test(String(value))) {
      sink.add(at, `${key} must be a duration like 10m, 30s or 1h, but it is ${JSON.stringify(value)}`);
    }
  }
  return sink.count === before ? { kind, args } : undefined;
}
