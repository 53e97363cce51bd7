// YAML → plain values plus a map of source positions by path, refusing hostile input in bounded time.
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, Scalar, type Tags } from "yaml";
import { type ConfigError, child, type Position, type Result } from "./errors";
import { LIMITS } from "./limits";

export interface ParsedSource {
  /** The document as plain JSON-like values (merge keys and aliases resolved). */
  value: unknown;
  /** Source positions by path (`jobs.build.steps[0]`). */
  positions: Map<string, Position>;
}

const BOOL = "tag:yaml.org,2002:bool";

function boolTag(value: boolean, test: RegExp): Tags[number] {
  return { identify: (v: unknown) => v === value, default: true, tag: BOOL, test, resolve: () => new Scalar(value) };
}

/**
 * YAML 1.1 as CircleCI reads it (merge keys; yes/no/on/off are booleans) but without `y`/`n`
 * booleans and implicit timestamps, which CircleCI's parser keeps as strings.
 */
export function yamlTags(tags: Tags): Tags {
  return [
    boolTag(true, /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/),
    boolTag(false, /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/),
    ...tags.filter((t) => typeof t === "object" && t.tag !== BOOL && t.tag !== "tag:yaml.org,2002:timestamp").map(strictFloat),
  ];
}

const FLOAT = "tag:yaml.org,2002:float";

/** YAML 1.1 floats need a digit, as in CircleCI's parser: `.` and `e5` stay strings (`root: .`). */
function strictFloat(tag: Tags[number]): Tags[number] {
  if (typeof tag !== "object" || tag.tag !== FLOAT || !(tag.test instanceof RegExp)) return tag;
  const test =
    tag.format === "EXP"
      ? /^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9]+$/
      : /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)$/;
  return tag.test.source.includes("inf") ? tag : ({ ...tag, test } as Tags[number]);
}

function failure(message: string, line = 1, column = 1): Result<ParsedSource> {
  return { ok: false, errors: [{ path: "", line, column, message }] };
}

/** Parses one YAML document. Every failure is a typed result, never an exception. */
export function parseYaml(text: string): Result<ParsedSource> {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > LIMITS.maxSourceBytes) {
    return failure(`the file is ${bytes} bytes; the limit is ${LIMITS.maxSourceBytes} bytes`);
  }
  const lineCounter = new LineCounter();
  const pos = (offset: number | undefined): Position => {
    const p = lineCounter.linePos(offset ?? 0);
    return { line: p.line, column: p.col };
  };
  try {
    const doc = parseDocument(text, {
      lineCounter,
      merge: true,
      prettyErrors: false,
      uniqueKeys: true,
      version: "1.1",
      customTags: yamlTags,
    });
    if (doc.errors.length > 0) {
      const errors: ConfigError[] = doc.errors.map((e) => ({ path: "", ...pos(e.pos[0]), message: yamlMessage(e.message) }));
      return { ok: false, errors };
    }
    const positions = new Map<string, Position>();
    const structural = recordPositions(doc.contents as Node | null, positions, pos);
    if (structural) return { ok: false, errors: [structural] };
    const value: unknown = doc.toJS({ maxAliasCount: LIMITS.maxAliasCount });
    const sizeError = checkValueSize(value);
    if (sizeError) return failure(sizeError);
    return { ok: true, value: { value, positions } };
  } catch (error) {
    return failure(unexpectedMessage(error));
  }
}

function yamlMessage(message: string): string {
  if (message.includes("call stack")) return `the document is nested too deeply to process (limit ${LIMITS.maxDepth} levels)`;
  const first = message.split("\n")[0] ?? message;
  return `invalid YAML: ${first.replace(/ at line \d+, column \d+:?$/, "")}`;
}

function unexpectedMessage(error: unknown): string {
  if (error instanceof RangeError)
    return `the document is nested too deeply or too large to process (limit ${LIMITS.maxDepth} levels)`;
  const text = error instanceof Error ? error.message : String(error);
  if (/alias/i.test(text))
    return `too many YAML alias expansions (limit ${LIMITS.maxAliasCount}); the document looks like an alias bomb`;
  return `invalid YAML: ${text.split("\n")[0]}`;
}

/** Walks the syntax tree (not following aliases) to record where each path starts. */
function recordPositions(
  root: Node | null,
  positions: Map<string, Position>,
  pos: (offset: number | undefined) => Position,
): ConfigError | undefined {
  const stack: Array<{ node: Node | null; path: string; depth: number }> = [{ node: root, path: "", depth: 0 }];
  let count = 0;
  while (stack.length > 0) {
    const item = stack.pop();
    if (!item?.node) continue;
    const { node, path, depth } = item;
    count += 1;
    if (count > LIMITS.maxNodes)
      return { path, ...pos(node.range?.[0]), message: `the document has more than ${LIMITS.maxNodes} nodes` };
    if (depth > LIMITS.maxDepth)
      return { path, ...pos(node.range?.[0]), message: `the document is nested more than ${LIMITS.maxDepth} levels deep` };
    if (!positions.has(path)) positions.set(path, pos(node.range?.[0]));
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key as Node | null;
        if (isScalar(key) && key.value === "<<") continue;
        if (!isScalar(key))
          return { path, ...pos(key?.range?.[0] ?? node.range?.[0]), message: "map keys must be plain strings" };
        if (String(key.value) === "__proto__")
          return { path, ...pos(key.range?.[0]), message: 'the key "__proto__" is not allowed' };
        const keyPath = child(path, String(key.value));
        positions.set(keyPath, pos(key.range?.[0]));
        stack.push({ node: pair.value as Node | null, path: keyPath, depth: depth + 1 });
      }
    } else if (isSeq(node)) {
      node.items.forEach((entry, index) => {
        stack.push({ node: entry as Node | null, path: child(path, index), depth: depth + 1 });
      });
    }
    // Aliased content is bounded by maxAliasCount and by checkValueSize on the built value.
  }
  return undefined;
}

/** Bounds the depth and node count of the built value (aliases and merges can multiply the source). */
function checkValueSize(value: unknown): string | undefined {
  const stack: Array<{ v: unknown; depth: number }> = [{ v: value, depth: 0 }];
  let count = 0;
  while (stack.length > 0) {
    const item = stack.pop();
    if (!item) break;
    count += 1;
    if (count > LIMITS.maxNodes) return `the document expands to more than ${LIMITS.maxNodes} nodes`;
    if (item.depth > LIMITS.maxDepth) return `the document is nested more than ${LIMITS.maxDepth} levels deep`;
    if (Array.isArray(item.v)) for (const e of item.v) stack.push({ v: e, depth: item.depth + 1 });
    else if (item.v !== null && typeof item.v === "object") {
      for (const e of Object.values(item.v)) stack.push({ v: e, depth: item.depth + 1 });
    }
  }
  return undefined;
}
