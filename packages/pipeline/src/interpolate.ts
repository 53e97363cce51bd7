// `<< parameters.x >>`, `<< pipeline.* >>` and `<< matrix.x >>` substitution over plain YAML values.
import { child, type ErrorSink } from "./errors";
import { describe, isYamlMap } from "./values";

/** Values visible to templates. A kind left undefined is not substituted (left for a later pass). */
export interface TemplateScope {
  /** Arguments of the job/command/executor being expanded (already typed). */
  parameters?: Record<string, unknown>;
  /** Matrix values of one generated workflow job. */
  matrix?: Record<string, unknown>;
  /** Pipeline values by full name (`pipeline.git.branch`, `pipeline.parameters.x`); missing ones stay literal. */
  pipeline?: PipelineScope;
}

export interface PipelineScope {
  values: Record<string, unknown>;
  /** Declared pipeline parameter names (to report undefined ones). */
  declared: ReadonlySet<string>;
}

const TOKEN = /<<\s*([A-Za-z0-9_.-]+)\s*>>/g;
const WHOLE = /^<<\s*([A-Za-z0-9_.-]+)\s*>>$/;

/** Pipeline values CircleCI defines (besides `pipeline.parameters.*` and `pipeline.trigger_parameters.*`). */
export const PIPELINE_VALUES = [
  "pipeline.id",
  "pipeline.number",
  "pipeline.project.git_url",
  "pipeline.project.type",
  "pipeline.git.tag",
  "pipeline.git.branch",
  "pipeline.git.revision",
  "pipeline.git.base_revision",
  "pipeline.trigger_source",
  "pipeline.schedule.name",
  "pipeline.schedule.id",
] as const;

type Lookup = { found: true; value: unknown } | { found: false };
const KEEP: Lookup = { found: false };

function lookup(name: string, scope: TemplateScope, sink: ErrorSink, path: string): Lookup {
  if (name.startsWith("parameters.")) {
    if (!scope.parameters) return KEEP;
    const key = name.slice("parameters.".length);
    if (Object.hasOwn(scope.parameters, key)) return { found: true, value: scope.parameters[key] };
    const known = Object.keys(scope.parameters);
    sink.add(
      path,
      `parameter "${key}" is not defined here${known.length ? ` (defined: ${known.join(", ")})` : " (no parameters are declared)"}`,
    );
    return { found: true, value: "" };
  }
  if (name.startsWith("matrix.")) {
    if (!scope.matrix) return KEEP;
    const key = name.slice("matrix.".length);
    if (Object.hasOwn(scope.matrix, key)) return { found: true, value: scope.matrix[key] };
    sink.add(path, `matrix parameter "${key}" is not defined in this matrix`);
    return { found: true, value: "" };
  }
  if (name.startsWith("pipeline.")) {
    const pipeline = scope.pipeline;
    if (!pipeline) return KEEP;
    if (name.startsWith("pipeline.parameters.")) {
      const key = name.slice("pipeline.parameters.".length);
      if (!pipeline.declared.has(key)) {
        sink.add(path, `pipeline parameter "${key}" is not declared in the top-level parameters`);
        return { found: true, value: "" };
      }
    } else if (!name.startsWith("pipeline.trigger_parameters.") && !(PIPELINE_VALUES as readonly string[]).includes(name)) {
      sink.add(path, `"${name}" is not a pipeline value; known values: ${PIPELINE_VALUES.join(", ")}`);
      return { found: true, value: "" };
    }
    return Object.hasOwn(pipeline.values, name) ? { found: true, value: pipeline.values[name] } : KEEP;
  }
  return KEEP;
}

function substituteString(text: string, scope: TemplateScope, sink: ErrorSink, path: string): unknown {
  if (!text.includes("<<")) return text;
  const whole = WHOLE.exec(text);
  if (whole?.[1]) {
    const hit = lookup(whole[1], scope, sink, path);
    return hit.found ? hit.value : text;
  }
  return text.replace(TOKEN, (match, name: string) => {
    const hit = lookup(name, scope, sink, path);
    if (!hit.found) return match;
    const v = hit.value;
    if (v === null || v === undefined) return "";
    if (typeof v === "object") {
      sink.add(path, `"${name}" is ${describe(v)} and cannot be used inside a string`);
      return "";
    }
    return String(v);
  });
}

/**
 * Returns a copy of `value` with templates replaced. A string that is exactly one template takes the
 * value's own type; a template resolving to a list inside a list is spliced (steps parameters).
 */
export function substitute(value: unknown, scope: TemplateScope, sink: ErrorSink, path: string): unknown {
  if (typeof value === "string") return substituteString(value, scope, sink, path);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    value.forEach((entry, index) => {
      const at = child(path, index);
      const replaced = substitute(entry, scope, sink, at);
      if (typeof entry === "string" && WHOLE.test(entry) && Array.isArray(replaced)) out.push(...replaced);
      else out.push(replaced);
    });
    return out;
  }
  if (isYamlMap(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) {
      const at = child(path, key);
      const newKey = key.includes("<<") ? String(substituteString(key, scope, sink, at)) : key;
      out[newKey] = substitute(entry, scope, sink, at);
    }
    return out;
  }
  return value;
}
