// CircleCI logic statements (`when`/`unless`): literals, and, or, not, equal, matches.
import { child, type ErrorSink } from "./errors";
import { describe, isYamlMap } from "./values";

const OPERATORS = ["and", "or", "not", "equal", "matches"];

/** CircleCI's truthiness: false, null, 0, NaN, "" and empty lists/maps are false. */
export function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === "") return false;
  if (typeof value === "number") return value !== 0 && !Number.isNaN(value);
  if (Array.isArray(value)) return value.length > 0;
  if (isYamlMap(value)) return Object.keys(value).length > 0;
  return true;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Evaluates a logic statement whose templates were already substituted. Problems go to `sink`. */
export function evaluate(statement: unknown, sink: ErrorSink, path: string, depth = 0): boolean {
  if (depth > 32) {
    sink.add(path, "the condition is nested too deeply");
    return false;
  }
  if (!isYamlMap(statement)) return truthy(statement);
  const keys = Object.keys(statement);
  const op = keys[0];
  if (keys.length !== 1 || !op || !OPERATORS.includes(op)) {
    sink.add(path, `a condition map must have exactly one of ${OPERATORS.join(", ")}; found ${keys.join(", ") || "nothing"}`);
    return false;
  }
  const arg = statement[op];
  const at = child(path, op);
  switch (op) {
    case "not":
      return !evaluate(arg, sink, at, depth + 1);
    case "and":
    case "or": {
      if (!Array.isArray(arg)) {
        sink.add(at, `"${op}" takes a list of conditions, but it has ${describe(arg)}`);
        return false;
      }
      const results = arg.map((entry, index) => evaluate(entry, sink, child(at, index), depth + 1));
      return op === "and" ? results.every(Boolean) : results.some(Boolean);
    }
    case "equal": {
      if (!Array.isArray(arg) || arg.length < 2) {
        sink.add(at, `"equal" takes a list of at least two values, but it has ${describe(arg)}`);
        return false;
      }
      return arg.every((v) => deepEqual(v, arg[0]));
    }
    default:
      return matches(arg, sink, at);
  }
}

function matches(arg: unknown, sink: ErrorSink, path: string): boolean {
  if (!isYamlMap(arg) || typeof arg.pattern !== "string" || !Object.hasOwn(arg, "value")) {
    sink.add(path, '"matches" takes a map with a string "pattern" and a "value"');
    return false;
  }
  const pattern = compilePattern(arg.pattern);
  if (!pattern) {
    sink.add(child(path, "pattern"), `"${arg.pattern}" is not a valid regular expression`);
    return false;
  }
  return pattern.test(String(arg.value ?? ""));
}

/** Compiles a CircleCI regex (whole-string match, as Java's `matches`). Undefined when invalid. */
export function compilePattern(source: string): RegExp | undefined {
  if (source.length > 1000) return undefined;
  try {
    return new RegExp(`^(?:${source})$`);
  } catch (_syntaxError) {
    return undefined; // not a valid pattern; the caller reports it
  }
}
