// Invalid configs: every expected error (path, line, column, sentence) and nothing else.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { formatConfigError, validateConfig } from "../src/index";
import { golden, loadCases } from "./corpus-harness";

for (const c of loadCases("corpus-errors")) {
  test(`invalid config ${c.name}: reports errors.txt`, () => {
    const options = { ...c.inputs.process, ...(c.orbResolver ? { orbResolver: c.orbResolver } : {}) };
    const errors = validateConfig(c.source, options);
    assert.ok(errors.length > 0, "expected the config to be refused");
    for (const e of errors) {
      assert.ok(e.line >= 1 && e.column >= 1, `bad position in ${formatConfigError(e)}`);
      assert.ok(e.message.length > 0 && !e.message.includes("    at "), "messages are plain sentences");
    }
    const text = `${errors.map(formatConfigError).join("\n")}\n`;
    assert.equal(text, golden(join(c.dir, "errors.txt"), text));
  });
}
