// Golden corpus: every config's processed YAML and compiled plan must match the reviewed goldens.
// UPDATE_GOLDEN=1 rewrites them (review each by eye before committing).
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { compile, formatConfigError, processConfig, validateConfig } from "../src/index";
import { golden, loadCases } from "./corpus-harness";

const cases = loadCases("corpus");

test("the corpus has at least 40 configs", () => {
  assert.ok(cases.length >= 40, `only ${cases.length} corpus configs`);
});

for (const c of cases) {
  test(`corpus ${c.name}: process matches processed.yml`, () => {
    const options = { ...c.inputs.process, ...(c.orbResolver ? { orbResolver: c.orbResolver } : {}) };
    const result = processConfig(c.source, options);
    assert.ok(result.ok, result.ok ? "" : result.errors.map(formatConfigError).join("\n"));
    assert.equal(result.value, golden(join(c.dir, "processed.yml"), result.value));
    // The processed output is itself a valid 2.0 config.
    assert.deepEqual(validateConfig(result.value).map(formatConfigError), []);
    assert.equal(parse(result.value).version, 2);
  });

  test(`corpus ${c.name}: compile matches plan.json`, () => {
    // A tag push has no branch; otherwise the default pipeline is a push to main.
    const defaults = c.inputs.compile?.tag === undefined ? { branch: "main" } : {};
    const options = {
      ...defaults,
      revision: "0123456789abcdef",
      ...c.inputs.compile,
      ...(c.orbResolver ? { orbResolver: c.orbResolver } : {}),
    };
    const result = compile(c.source, options);
    assert.ok(result.ok, result.ok ? "" : result.errors.map(formatConfigError).join("\n"));
    const text = `${JSON.stringify(result.value, null, 2)}\n`;
    assert.deepEqual(JSON.parse(text), JSON.parse(golden(join(c.dir, "plan.json"), text)));
  });
}
