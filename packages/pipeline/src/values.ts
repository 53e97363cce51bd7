// Small helpers for checking plain YAML values and reporting what was found.
import { child, type ErrorSink } from "./errors";

export type YamlMap = Record<string, unknown>;

export function isYamlMap(value: unknown): value is YamlMap {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** "a string", "a list", ... for messages. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return "nothing (null)";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a number";
  return `a ${typeof value}`;
}

/** Reports keys of `map` that are not in `allowed`; returns the map for chaining. */
export function checkKeys(sink: ErrorSink, path: string, map: YamlMap, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(map)) {
    if (!allowed.includes(key)) {
      sink.add(child(path, key), `unknown key "${key}" in ${what}; expected one of: ${allowed.join(", ")}`);
    }
  }
}

/** True when the string still holds an unexpanded `<< ... >>` template. */
export function hasTemplate(value: unknown): boolean {
  return typeof value === "string" && value.includes("<<") && value.includes(">>");
}

export function expectMap(sink: ErrorSink, path: string, value: unknown, what: string): YamlMap | undefined {
  if (isYamlMap(value)) return value;
  sink.add(path, `${what} must be a map, but it is ${describe(value)}`);
  return undefined;
}

export function expectList(sink: ErrorSink, path: string, value: unknown, what: string): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  sink.add(path, `${what} must be a list, but it is ${describe(value)}`);
  return undefined;
}

export function expectString(sink: ErrorSink, path: string, value: unknown, what: string): string | undefined {
  if (typeof value === "string") return value;
  sink.add(path, `${what} must be a string, but it is ${describe(value)}`);
  return undefined;
}

/** A string or a list of strings (as `requires`, `context`, `paths`, filter patterns accept). */
export function stringList(sink: ErrorSink, path: string, value: unknown, what: string): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) {
    const out: string[] = [];
    value.forEach((entry, index) => {
      if (typeof entry === "string") out.push(entry);
      else if (typeof entry === "number" || typeof entry === "boolean") out.push(String(entry));
      else sink.add(child(path, index), `each entry of ${what} must be a string, but this one is ${describe(entry)}`);
    });
    return out;
  }
  sink.add(path, `${what} must be a string or a list of strings, but it is ${describe(value)}`);
  return [];
}

/** Environment map: values become strings; non-scalars are reported. */
export function environment(sink: ErrorSink, path: string, value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === undefined || value === null) return out;
  if (Array.isArray(value)) {
    // CircleCI also accepts a list of single-key maps or KEY=VALUE strings.
    value.forEach((entry, index) => {
      if (typeof entry === "string" && entry.includes("=")) {
        const at = entry.indexOf("=");
        out[entry.slice(0, at)] = entry.slice(at + 1);
      } else if (isYamlMap(entry)) Object.assign(out, environment(sink, child(path, index), entry));
      else sink.add(child(path, index), `an environment entry must be KEY=VALUE or a map, but it is ${describe(entry)}`);
    });
    return out;
  }
  const map = expectMap(sink, path, value, "environment");
  if (!map) return out;
  for (const [key, v] of Object.entries(map)) {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[key] = String(v);
    else if (v === null) out[key] = "";
    else sink.add(child(path, key), `environment variable ${key} must be a string, but it is ${describe(v)}`);
  }
  return out;
}
