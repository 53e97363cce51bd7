// The public API's contracts beyond the corpus: result shapes, resolver calls, plan details.
import assert from "node:assert/strict";
import { test } from "node:test";
import { compile, formatConfigError, type OrbReference, processConfig, validateConfig } from "../src/index";

const BASIC = `version: 2.1
parameters:
  greeting:
    type: string
    default: hello
jobs:
  build:
    docker:
      - image: cimg/base:stable
    steps:
      - run: echo << pipeline.parameters.greeting >> << pipeline.git.branch >>
      - setup_remote_docker
workflows:
  main:
    jobs: [build]
`;

test("formatConfigError renders path, position and message on one line", () => {
  assert.equal(
    formatConfigError({ path: "jobs.build.steps[2].run", line: 9, column: 11, message: "command is required" }),
    "jobs.build.steps[2].run (line 9, column 11): command is required",
  );
  assert.equal(
    formatConfigError({ path: "", line: 1, column: 1, message: "version is required" }),
    "line 1, column 1: version is required",
  );
});

test("the plan is plain JSON and marks setup_remote_docker unsupported", () => {
  const result = compile(BASIC, { branch: "dev", parameters: { greeting: "hi" } });
  assert.ok(result.ok);
  const plan = result.value;
  assert.deepEqual(JSON.parse(JSON.stringify(plan)), plan);
  const job = plan.workflows[0]?.jobs[0];
  assert.ok(job);
  assert.deepEqual(job.unsupported, ["setup_remote_docker"]);
  assert.deepEqual(job.steps[1], {
    type: "setup_remote_docker",
    name: "Setup a remote Docker engine",
    dockerLayerCaching: false,
    supported: false,
  });
  assert.equal(job.steps[0]?.type === "run" && job.steps[0].command, "echo hi dev");
  assert.deepEqual(job.executor, {
    type: "docker",
    images: [{ image: "cimg/base:stable", environment: {} }],
    resourceClass: "medium",
    workingDirectory: "~/project",
    shell: "/bin/bash -eo pipefail",
    environment: {},
  });
});

test("process substitutes pipeline parameters but keeps unset pipeline values literal", () => {
  const result = processConfig(BASIC, { pipelineParameters: { greeting: "hey" } });
  assert.ok(result.ok);
  assert.match(result.value, /command: echo hey << pipeline.git.branch >>/);
  const withValues = processConfig(BASIC, { pipelineValues: { "pipeline.git.branch": "main" } });
  assert.ok(withValues.ok);
  assert.match(withValues.value, /command: echo hello main/);
});

test("unknown and mistyped pipeline parameters are errors, not exceptions", () => {
  const result = compile(BASIC, { parameters: { greeting: 5, nope: true } });
  assert.equal(result.ok, false);
  assert.deepEqual(result.ok ? [] : result.errors.map((e) => e.message), [
    'the pipeline has no parameter "nope" (parameters: greeting)',
  ]);
});

test("registry orbs are requested from the resolver by parsed reference", () => {
  const seen: OrbReference[] = [];
  const config = `version: 2.1
orbs:
  tools: acme/tools@1.2.3
jobs:
  build:
    docker: [{ image: x }]
    steps: [tools/hello]
workflows:
  w: { jobs: [build] }
`;
  const errors = validateConfig(config, {
    orbResolver: (orb) => {
      seen.push(orb);
      return "version: 2.1\ncommands:\n  hello:\n    steps: [{ run: echo hello }]\n";
    },
  });
  assert.deepEqual(errors, []);
  assert.deepEqual(seen, [{ namespace: "acme", name: "tools", version: "1.2.3", ref: "acme/tools@1.2.3" }]);
  const missing = validateConfig(config);
  assert.match(missing[0]?.message ?? "", /orb acme\/tools@1.2.3 is not available: .*<orb-dir>\/acme\/tools@1.2.3.yml/);
});

test("an invalid orb file is reported against the orb reference", () => {
  const config =
    "version: 2.1\norbs:\n  bad: acme/bad@1.0.0\njobs:\n  build:\n    docker: [{ image: x }]\n    steps: [checkout]\n";
  const errors = validateConfig(config, { orbResolver: () => "commands: [unclosed" });
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.path, "orbs.bad");
  assert.equal(errors[0]?.line, 3);
  assert.match(errors[0]?.message ?? "", /^orb acme\/bad@1.0.0 \(line 1, column \d+\): invalid YAML/);
});

test("errors point at the key of the offending entry", () => {
  const errors = validateConfig(
    "version: 2.1\njobs:\n  build:\n    docker: [{ image: x }]\n    steps:\n      - checkout\n      - run:\n          name: x\n",
  );
  assert.deepEqual(errors, [{ path: "jobs.build.steps[1].run", line: 7, column: 9, message: "command is required" }]);
});

test("a schedule event runs only workflows whose schedule admits the branch", () => {
  const config = `version: 2
jobs:
  build:
    docker: [{ image: x }]
    steps: [checkout]
workflows:
  version: 2
  push:
    jobs: [build]
  nightly:
    triggers:
      - schedule:
          cron: "0 0 * * *"
          filters: { branches: { only: main } }
    jobs: [build]
`;
  const runs = (options: Parameters<typeof compile>[1]) => {
    const result = compile(config, options);
    assert.ok(result.ok);
    return result.value.workflows.map((w) => `${w.name}:${w.runs}`);
  };
  assert.deepEqual(runs({ branch: "main" }), ["push:true", "nightly:false"]);
  assert.deepEqual(runs({ branch: "main", event: "schedule" }), ["push:false", "nightly:true"]);
  assert.deepEqual(runs({ branch: "dev", event: "schedule" }), ["push:false", "nightly:false"]);
});

test("binary garbage and odd strings never throw", () => {
  for (const text of [
    "\u0000\u0001\u0002",
    "\uFEFFversion: 2.1",
    "%YAML 9.9\n---\na: 1",
    "!!binary aGVsbG8=",
    "? [a]\n: b",
    "a: !!set {x}",
  ]) {
    assert.doesNotThrow(() => {
      validateConfig(text);
      processConfig(text);
      compile(text);
    });
  }
});

test("orb versions that look like paths are not orb references", () => {
  const calls: string[] = [];
  const errors = validateConfig("version: 2.1\norbs:\n  x: acme/tools@../../etc/passwd\n  y: acme/tools@1..2\n", {
    orbResolver: (orb) => {
      calls.push(orb.ref);
      return undefined;
    },
  });
  assert.deepEqual(calls, []);
  assert.deepEqual(
    errors.filter((e) => e.path.startsWith("orbs")).map((e) => e.message),
    [
      '"acme/tools@../../etc/passwd" is not an orb reference; expected namespace/name@version',
      '"acme/tools@1..2" is not an orb reference; expected namespace/name@version',
    ],
  );
});
