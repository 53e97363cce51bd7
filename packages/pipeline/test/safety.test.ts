// Hostile input is refused with a typed error, in bounded time, never with an exception.
import assert from "node:assert/strict";
import { test } from "node:test";
import { compile, LIMITS, processConfig, validateConfig } from "../src/index";

/** Validates `text`, asserting it is refused with a message matching `pattern`. */
function refused(text: string, pattern: RegExp): void {
  const errors = validateConfig(text);
  assert.ok(errors.length > 0, "expected errors");
  assert.ok(
    errors.some((e) => pattern.test(e.message)),
    `no error matches ${pattern}: ${errors.map((e) => e.message).join(" | ")}`,
  );
  assert.equal(processConfig(text).ok, false);
  assert.equal(compile(text, { branch: "main" }).ok, false);
}

test("a billion-laughs alias bomb is refused", () => {
  let text = `version: 2.1\na0: &a0 [${Array(10).fill('"lol"').join(",")}]\n`;
  for (let i = 1; i < 12; i++)
    text += `a${i}: &a${i} [${Array(10)
      .fill(`*a${i - 1}`)
      .join(",")}]\n`;
  refused(text, /alias/);
});

test("a merge-key bomb is refused", () => {
  let text = "version: 2.1\nm0: &m0 {a: 1, b: 2}\n";
  for (let i = 1; i < 30; i++) text += `m${i}: &m${i}\n  <<: [*m${i - 1}]\n  x: [*m${i - 1}, *m${i - 1}]\n`;
  refused(text, /alias|nodes/);
});

test("deep flow nesting is refused without a stack overflow escaping", () => {
  refused(`version: 2.1\njobs: ${"[".repeat(50_000)}${"]".repeat(50_000)}`, /nested/);
  refused(`version: 2.1\njobs: ${"{a: ".repeat(20_000)}1${"}".repeat(20_000)}`, /nested/);
});

test("deep block nesting beyond the limit is refused", () => {
  let text = "version: 2.1\njobs:\n";
  for (let i = 0; i <= LIMITS.maxDepth + 5; i++) text += `${" ".repeat(2 + i * 2)}k${i}:\n`;
  text += `${" ".repeat(2 + (LIMITS.maxDepth + 6) * 2)}v\n`;
  refused(text, /nested more than 64 levels/);
});

test("a file over the size cap is refused before parsing", () => {
  refused(`version: 2.1\n# ${"x".repeat(LIMITS.maxSourceBytes)}\n`, /limit is 2097152 bytes/);
});

test("cyclic command references are refused", () => {
  const text = `version: 2.1
commands:
  a: { steps: [b] }
  b: { steps: [c] }
  c: { steps: [a] }
jobs:
  build:
    docker: [{ image: x }]
    steps: [a]
workflows:
  w: { jobs: [build] }
`;
  refused(text, /command "a" invokes itself \(a -> b -> c -> a\)/);
});

test("exponential command fan-out stops at the expansion budget", () => {
  let text = "version: 2.1\ncommands:\n";
  for (let i = 0; i < 30; i++) text += `  c${i}:\n    steps: [c${i + 1}, c${i + 1}]\n`;
  text +=
    "  c30:\n    steps: [checkout]\njobs:\n  build:\n    docker: [{ image: x }]\n    steps: [c0]\nworkflows:\n  w: { jobs: [build] }\n";
  refused(text, /too many steps/);
});

test("a matrix larger than the limit is refused before generating it", () => {
  const values = `[${Array.from({ length: 40 }, (_, i) => i).join(", ")}]`;
  const text = `version: 2.1
jobs:
  t:
    parameters: { a: { type: integer }, b: { type: integer }, c: { type: integer } }
    docker: [{ image: x }]
    steps: [checkout]
workflows:
  w:
    jobs:
      - t:
          matrix:
            parameters: { a: ${values}, b: ${values}, c: ${values} }
`;
  refused(text, /would generate 64000 jobs; the limit is 1000/);
});

test("the number of reported errors is capped", () => {
  const steps = Array.from({ length: 1000 }, (_, i) => `      - nope${i}`).join("\n");
  const errors = validateConfig(`version: 2.1\njobs:\n  build:\n    docker: [{ image: x }]\n    steps:\n${steps}\n`);
  assert.equal(errors.length, LIMITS.maxErrors);
});

test("non-string input shapes are typed errors", () => {
  for (const text of ["", "~", "42", "[]", "just a string", "---\n---\n", "version: 2.1\njobs: 5\nworkflows: []\n"]) {
    const errors = validateConfig(text);
    assert.ok(errors.length > 0, `expected ${JSON.stringify(text)} to be refused`);
  }
});

test("a __proto__ key is refused instead of changing an object's prototype", () => {
  refused("version: 2.1\njobs:\n  __proto__:\n    docker: [{ image: x }]\n    steps: [checkout]\n", /"__proto__" is not allowed/);
});
