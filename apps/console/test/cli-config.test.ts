// `citadel config validate|process` end to end: spawns the real CLI from the repository root.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const CORPUS = "packages/pipeline/test/corpus";
const ERRORS = "packages/pipeline/test/corpus-errors";

function citadel(...args: string[]) {
  const result = spawnSync(process.execPath, ["apps/console/bin/citadel.mjs", "config", ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("validate: a valid config exits 0 with exactly the CircleCI sentence", () => {
  const file = `${CORPUS}/matrix-basic/config.yml`;
  const r = citadel("validate", file);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `Config file at ${file} is valid.\n`);
});

test("validate: an invalid config exits 1 with one positioned error per line", () => {
  const r = citadel("validate", `${ERRORS}/many-errors-at-once/config.yml`);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, readFileSync(join(ROOT, ERRORS, "many-errors-at-once/errors.txt"), "utf8"));
});

test("validate --orb-dir resolves registry orbs from the directory", () => {
  const file = `${CORPUS}/local-orb/config.yml`;
  const without = citadel("validate", file);
  assert.equal(without.code, 1);
  assert.match(without.stderr, /orb circleci\/node@5.2.0 is not available/);
  const r = citadel("validate", file, "--orb-dir", `${CORPUS}/local-orb/orbs`);
  assert.equal(r.code, 0, r.stderr);
});

test("process prints the expanded config, with pipeline parameters", () => {
  const r = citadel(
    "process",
    `${CORPUS}/pipeline-parameters/config.yml`,
    "--pipeline-parameters",
    '{"run-e2e": true, "node-version": "22.1"}',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, readFileSync(join(ROOT, CORPUS, "pipeline-parameters/processed.yml"), "utf8"));
});

test("usage errors exit 2; unreadable files exit 1", () => {
  assert.equal(citadel("validate").code, 2);
  assert.equal(citadel("frobnicate", "x").code, 2);
  assert.equal(citadel("process", "a.yml", "--pipeline-parameters", "[1]").code, 2);
  assert.equal(citadel("validate", "a.yml", "--bogus").code, 2);
  const missing = citadel("validate", "does/not/exist.yml");
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read does\/not\/exist.yml: no such file/);
});

test("--orb-dir also loads registry orbs that orbs reference", () => {
  const dir = mkdtempSync(join(tmpdir(), "citadel-orbs-"));
  try {
    mkdirSync(join(dir, "acme"));
    mkdirSync(join(dir, "base"));
    writeFileSync(
      join(dir, "acme", "deploy@1.0.0.yml"),
      "version: 2.1\norbs:\n  log: base/log@2.0.0\ncommands:\n  ship:\n    steps: [log/say]\n",
    );
    writeFileSync(join(dir, "base", "log@2.0.0.yaml"), "version: 2.1\ncommands:\n  say:\n    steps: [{ run: echo shipped }]\n");
    const config = join(dir, "config.yml");
    writeFileSync(
      config,
      "version: 2.1\norbs:\n  deploy: acme/deploy@1.0.0\njobs:\n  build:\n    docker: [{ image: x }]\n    steps: [deploy/ship]\nworkflows:\n  w: { jobs: [build] }\n",
    );
    const r = citadel("process", config, "--orb-dir", dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /command: echo shipped/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
