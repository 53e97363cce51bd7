// Fuzzing: generated and mutated configs (seeded, deterministic, bounded). The library must never
// throw or hang; every failure is a typed list of positioned errors; processed output re-validates.
import assert from "node:assert/strict";
import { test } from "node:test";
import { stringify } from "yaml";
import { type ConfigError, compile, processConfig, validateConfig } from "../src/index";
import { loadCases } from "./corpus-harness";

// Fixed by default (deterministic); FUZZ_SEED / FUZZ_SCALE explore further by hand.
const SEED = Number(process.env.FUZZ_SEED ?? 0);
const SCALE = Math.max(1, Number(process.env.FUZZ_SCALE ?? 1));

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
const int = (r: Rand, n: number): number => Math.floor(r() * n);

function checkErrors(errors: ConfigError[], source: string): void {
  const lines = source.split("\n").length + 1;
  for (const e of errors) {
    assert.equal(typeof e.path, "string");
    assert.ok(Number.isInteger(e.line) && e.line >= 1 && e.line <= lines, `line ${e.line} out of range`);
    assert.ok(Number.isInteger(e.column) && e.column >= 1, `column ${e.column} out of range`);
    assert.ok(typeof e.message === "string" && e.message.length > 0 && !e.message.includes("\n    at "), e.message);
  }
}

/** Runs every entry point; asserts typed results, and that successful output re-validates. */
function exercise(source: string): "ok" | "refused" {
  const started = performance.now();
  const errors = validateConfig(source);
  checkErrors(errors, source);
  const processed = processConfig(source);
  const planned = compile(source, { branch: "main", revision: "abc" });
  const tagged = compile(source, { tag: "v1.0.0" });
  for (const r of [processed, planned, tagged]) if (!r.ok) checkErrors(r.errors, source);
  assert.equal(processed.ok, errors.length === 0, "validate and process agree");
  if (processed.ok) {
    const again = validateConfig(processed.value);
    assert.deepEqual(again, [], `processed output must be valid.\n--- source:\n${source}\n--- processed:\n${processed.value}`);
    assert.ok(planned.ok || planned.errors.length > 0);
  }
  assert.ok(performance.now() - started < 10_000, "each config is handled in bounded time");
  return errors.length === 0 ? "ok" : "refused";
}

const SCALARS = [
  "x",
  "",
  "<< parameters.p >>",
  "<< pipeline.git.branch >>",
  "<< matrix.m >>",
  0,
  1,
  -1,
  true,
  false,
  null,
  "yes",
  "{{ .Branch }}",
];
const STEP_NAMES = [
  "checkout",
  "run",
  "save_cache",
  "restore_cache",
  "store_artifacts",
  "when",
  "unless",
  "cmd",
  "orb/cmd",
  "deploy",
  "add_ssh_keys",
  "setup_remote_docker",
];

function randomValue(r: Rand, depth: number): unknown {
  const roll = r();
  if (depth > 3 || roll < 0.5) return pick(r, SCALARS);
  if (roll < 0.75) return Array.from({ length: int(r, 3) }, () => randomValue(r, depth + 1));
  const out: Record<string, unknown> = {};
  for (let i = int(r, 3); i > 0; i--)
    out[pick(r, ["command", "name", "key", "paths", "condition", "steps", "p", "equal", "and", "not"])] = randomValue(
      r,
      depth + 1,
    );
  return out;
}

const VALID_STEPS: unknown[] = [
  "checkout",
  { run: "make" },
  { run: { name: "n", command: "echo << parameters.p >>", when: "always" } },
  { save_cache: { key: "k-{{ .Branch }}", paths: ["a"] } },
  { restore_cache: { keys: ["k-{{ .Branch }}", "k-"] } },
  { store_artifacts: { path: "out" } },
  { persist_to_workspace: { root: ".", paths: ["x"] } },
  "cmd",
  "setup_remote_docker",
];

function randomStep(r: Rand, depth: number): unknown {
  if (r() < 0.85) return structuredClone(pick(r, VALID_STEPS));
  const name = pick(r, STEP_NAMES);
  const roll = r();
  if (roll < 0.3) return name;
  if (name === "when" || name === "unless") {
    return {
      [name]: {
        condition: pick(r, [true, false, "<< parameters.p >>", { equal: ["a", "a"] }, { not: true }]),
        steps: randomSteps(r, depth + 1),
      },
    };
  }
  if (name === "run" && roll < 0.6) return { run: pick(r, ["make", "echo << parameters.p >>", ""]) };
  return { [name]: randomValue(r, 1) };
}

function randomSteps(r: Rand, depth: number): unknown[] {
  if (depth > 2) return ["checkout"];
  return Array.from({ length: 1 + int(r, 4) }, () => randomStep(r, depth));
}

function randomParams(r: Rand): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (r() < 0.8) out.p = { type: "string", default: "v" };
  else if (r() < 0.5) {
    const type = pick(r, ["string", "boolean", "integer", "enum", "steps", "executor", "env_var_name", "bogus"]);
    const spec: Record<string, unknown> = { type };
    if (type === "enum") spec.enum = ["a", "b"];
    if (r() < 0.7) spec.default = pick(r, SCALARS);
    out.p = spec;
  }
  return out;
}

/** A structurally plausible 2.1 config with random holes and mistakes. */
function generate(r: Rand): string {
  const jobs: Record<string, unknown> = {};
  const jobNames = Array.from({ length: 1 + int(r, 4) }, (_, i) => `job${i}`);
  for (const name of jobNames) {
    const job: Record<string, unknown> = { steps: randomSteps(r, 0) };
    const exec = r();
    if (exec < 0.6) job.docker = [{ image: "cimg/base:stable" }];
    else if (exec < 0.75) job.executor = pick(r, ["ex", "ex", "missing", { name: "ex", p: "v" }]);
    else if (exec < 0.97) job.machine = true;
    const params = randomParams(r);
    if (Object.keys(params).length > 0) job.parameters = params;
    if (r() < 0.2) job.parallelism = pick(r, [1, 4, "<< parameters.p >>", 0]);
    jobs[name] = job;
  }
  const entries = jobNames.map((name, i) => {
    const options: Record<string, unknown> = {};
    if (i > 0 && r() < 0.5) options.requires = [r() < 0.8 ? (jobNames[int(r, i)] ?? "ghost") : pick(r, ["ghost", "alias"])];
    if (r() < 0.2) options.matrix = { parameters: { p: ["a", "b"] }, ...(r() < 0.5 ? { alias: "alias" } : {}) };
    if (r() < 0.2) options.filters = { branches: { only: pick(r, ["main", "/ma.*/", "/[bad/"]) }, tags: { only: "/.*/" } };
    if (r() < 0.1) options.p = pick(r, SCALARS);
    if (r() < 0.1) options.type = "approval";
    return Object.keys(options).length === 0 ? name : { [name]: options };
  });
  const config: Record<string, unknown> = {
    version: r() < 0.9 ? 2.1 : pick(r, ["2.1", 2, 3]),
    jobs,
    workflows: { main: { jobs: entries } },
  };
  config.commands = { cmd: { parameters: randomParams(r), steps: randomSteps(r, 2) } };
  if (r() < 0.9) config.executors = { ex: { docker: [{ image: "x" }], parameters: randomParams(r) } };
  if (r() < 0.3) config.orbs = { orb: { commands: { cmd: { steps: randomSteps(r, 1) } } } };
  if (r() < 0.3) config.parameters = { p: { type: pick(r, ["string", "boolean"]), default: pick(r, ["x", true]) } };
  return stringify(config);
}

const NOISE = [
  "<<",
  ">>",
  "*a",
  "&a ",
  "[",
  "]",
  "{",
  "}",
  ": ",
  "- ",
  "\n",
  "  ",
  "'",
  '"',
  "#",
  "!!str ",
  "<<: *a",
  "%",
  "\t",
  "\u0000",
  "? ",
];

function mutate(r: Rand, source: string): string {
  let text = source;
  for (let n = 1 + int(r, 4); n > 0; n--) {
    const at = int(r, text.length + 1);
    const roll = r();
    if (roll < 0.3) text = text.slice(0, at) + pick(r, NOISE) + text.slice(at);
    else if (roll < 0.5) text = text.slice(0, at) + text.slice(at + 1 + int(r, 20));
    else if (roll < 0.7) {
      const lines = text.split("\n");
      const i = int(r, lines.length);
      const j = int(r, lines.length);
      [lines[i], lines[j]] = [lines[j] ?? "", lines[i] ?? ""];
      text = lines.join("\n");
    } else if (roll < 0.85) {
      const lines = text.split("\n");
      const i = int(r, lines.length);
      lines[i] = r() < 0.5 ? `  ${lines[i]}` : (lines[i] ?? "").replace(/^ {1,2}/, "");
      text = lines.join("\n");
    } else {
      const chunk = text.slice(at, at + int(r, 200));
      text = text.slice(0, at) + chunk + chunk + text.slice(at);
    }
  }
  return text;
}

test("generated configs: no crash, typed results, processed output re-validates", () => {
  const r = prng(0xc17ade1 + SEED);
  const outcomes = { ok: 0, refused: 0 };
  for (let i = 0; i < 400 * SCALE; i++) outcomes[exercise(generate(r))] += 1;
  // The generator must exercise both paths, or the test proves little.
  assert.ok(outcomes.ok > 40 && outcomes.refused > 40, JSON.stringify(outcomes));
});

test("mutated corpus configs: no crash, typed results", () => {
  const r = prng(42 + SEED);
  const sources = [...loadCases("corpus"), ...loadCases("corpus-errors")].map((c) => c.source);
  const outcomes = { ok: 0, refused: 0 };
  for (let i = 0; i < 600 * SCALE; i++) outcomes[exercise(mutate(r, pick(r, sources)))] += 1;
  assert.ok(outcomes.refused > 100, JSON.stringify(outcomes));
});

test("fuzzing is deterministic", () => {
  const a = prng(7);
  const b = prng(7);
  for (let i = 0; i < 20; i++) {
    const x = generate(a);
    assert.equal(x, generate(b));
    assert.deepEqual(validateConfig(x), validateConfig(x));
  }
});
