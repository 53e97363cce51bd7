// Matrix jobs: the cartesian product of parameter values, minus exclusions, with CircleCI's names.
import { child, type ErrorSink } from "./errors";
import { LIMITS } from "./limits";
import { checkKeys, describe, expectList, expectMap, isYamlMap } from "./values";

export interface MatrixExpansion {
  /** Name `requires` can use for all generated jobs (defaults to the invoked job's name). */
  alias?: string;
  /** One map of parameter values per generated job, in CircleCI's order. */
  combinations: Record<string, unknown>[];
  /** Parameter names sorted alphabetically: the order of values in generated names. */
  names: string[];
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Parses and expands a `matrix` map. Parameters are ordered by name; the first varies slowest. */
export function expandMatrix(sink: ErrorSink, path: string, raw: unknown): MatrixExpansion | undefined {
  const matrix = expectMap(sink, path, raw, "matrix");
  if (!matrix) return undefined;
  checkKeys(sink, path, matrix, ["parameters", "exclude", "alias"], "matrix");
  const params = expectMap(sink, child(path, "parameters"), matrix.parameters, "matrix.parameters");
  if (!params) return undefined;
  const names = Object.keys(params).sort();
  if (names.length === 0) sink.add(child(path, "parameters"), "matrix.parameters needs at least one parameter");
  const values: unknown[][] = [];
  let total = 1;
  for (const name of names) {
    const list = expectList(sink, child(child(path, "parameters"), name), params[name], `matrix parameter "${name}"`) ?? [];
    if (list.length === 0)
      sink.add(child(child(path, "parameters"), name), `matrix parameter "${name}" needs at least one value`);
    values.push(list);
    total *= Math.max(list.length, 1);
  }
  if (total > LIMITS.maxMatrixJobs) {
    sink.add(path, `the matrix would generate ${total} jobs; the limit is ${LIMITS.maxMatrixJobs}`);
    return undefined;
  }
  let combinations: Record<string, unknown>[] = [{}];
  names.forEach((name, i) => {
    const next: Record<string, unknown>[] = [];
    for (const combo of combinations) for (const v of values[i] ?? []) next.push({ ...combo, [name]: v });
    combinations = next;
  });
  if (matrix.exclude !== undefined) {
    const excludes = expectList(sink, child(path, "exclude"), matrix.exclude, "matrix.exclude") ?? [];
    excludes.forEach((entry, index) => {
      const at = child(child(path, "exclude"), index);
      if (!isYamlMap(entry)) {
        sink.add(at, `each exclude entry must be a map of parameter values, but this one is ${describe(entry)}`);
        return;
      }
      for (const key of Object.keys(entry))
        if (!names.includes(key)) sink.add(child(at, key), `"${key}" is not a parameter of this matrix`);
      for (const name of names)
        if (!Object.hasOwn(entry, name))
          sink.add(at, `the exclude entry must give a value for every matrix parameter; "${name}" is missing`);
      const before = combinations.length;
      combinations = combinations.filter((combo) => !names.every((n) => sameValue(combo[n], entry[n])));
      if (combinations.length === before) sink.add(at, "this exclude entry matches no combination of the matrix");
    });
  }
  let alias: string | undefined;
  if (matrix.alias !== undefined) {
    if (typeof matrix.alias === "string") alias = matrix.alias;
    else sink.add(child(path, "alias"), `alias must be a string, but it is ${describe(matrix.alias)}`);
  }
  return { alias, combinations, names };
}

function valueText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** CircleCI's generated name: `<base>-<value of each parameter in name order>`. */
export function generatedName(base: string, names: string[], combo: Record<string, unknown>): string {
  return [base, ...names.map((n) => valueText(combo[n]))].join("-");
}
