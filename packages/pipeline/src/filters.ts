// Workflow job filters (branches/tags, only/ignore, strings and /regex/) and CircleCI's tag rules.
import { compilePattern } from "./conditions";
import { child, type ErrorSink } from "./errors";
import { checkKeys, expectMap, stringList } from "./values";

/** One `only`/`ignore` pair; each pattern is an exact name or `/regex/` (whole-string match). */
export interface RefFilter {
  only?: string[];
  ignore?: string[];
}

/** A workflow job's `filters`. An absent `tags` filter means the job never runs for tag pushes. */
export interface JobFilters {
  branches?: RefFilter;
  tags?: RefFilter;
}

function parseRefFilter(sink: ErrorSink, path: string, raw: unknown, what: string): RefFilter | undefined {
  const map = expectMap(sink, path, raw, what);
  if (!map) return undefined;
  checkKeys(sink, path, map, ["only", "ignore"], what);
  const out: RefFilter = {};
  for (const key of ["only", "ignore"] as const) {
    if (map[key] === undefined) continue;
    const patterns = stringList(sink, child(path, key), map[key], `${what}.${key}`);
    patterns.forEach((p, index) => {
      if (p.length > 1 && p.startsWith("/") && p.endsWith("/") && !compilePattern(p.slice(1, -1))) {
        sink.add(child(child(path, key), index), `"${p}" is not a valid regular expression`);
      }
    });
    out[key] = patterns;
  }
  return out;
}

/** Validates a `filters` map (as written in a workflow job or schedule trigger). */
export function parseFilters(sink: ErrorSink, path: string, raw: unknown, allowTags = true): JobFilters | undefined {
  if (raw === undefined || raw === null) return undefined;
  const map = expectMap(sink, path, raw, "filters");
  if (!map) return undefined;
  checkKeys(sink, path, map, allowTags ? ["branches", "tags"] : ["branches"], "filters");
  const out: JobFilters = {};
  if (map.branches !== undefined) out.branches = parseRefFilter(sink, child(path, "branches"), map.branches, "filters.branches");
  if (allowTags && map.tags !== undefined) out.tags = parseRefFilter(sink, child(path, "tags"), map.tags, "filters.tags");
  return out;
}

function matchesAny(patterns: string[], ref: string): boolean {
  return patterns.some((p) => {
    if (p.length > 1 && p.startsWith("/") && p.endsWith("/")) return compilePattern(p.slice(1, -1))?.test(ref) ?? false;
    return p === ref;
  });
}

function admitsRef(filter: RefFilter, ref: string): boolean {
  if (filter.only && !matchesAny(filter.only, ref)) return false;
  if (filter.ignore && matchesAny(filter.ignore, ref)) return false;
  return true;
}

/**
 * Whether a job's filters admit a push. For a tag push only `tags` counts and must be present with
 * `only` or `ignore` (CircleCI skips jobs without tag filters for tags); for a branch push only
 * `branches` counts.
 */
export function filtersAdmit(filters: JobFilters | undefined, event: { branch?: string; tag?: string }): boolean {
  if (event.tag !== undefined) {
    const tags = filters?.tags;
    if (!tags || (!tags.only && !tags.ignore)) return false;
    return admitsRef(tags, event.tag);
  }
  const branches = filters?.branches;
  if (!branches || event.branch === undefined) return true;
  return admitsRef(branches, event.branch);
}
