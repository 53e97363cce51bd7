import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import Docker from "dockerode";
import { REPO_ROOT } from "../support/appliance";
import { startCiStack } from "../support/ci-stack";

const cleanup: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

const SECRET = "hunter2-e2e-secret-value";
const JUNIT = `<testsuite name="unit"><testcase classname="greeting" name="says hello" time="0.5"/><testcase classname="greeting" name="says goodbye"><failure message="no goodbye yet"/></testcase></testsuite>`;

const CONFIG = `version: 2.1
executors:
  debian:
    docker: [{ image: citadel/job-debian:bookworm }]
jobs:
  build:
    executor: debian
    steps:
      - checkout
      - restore_cache:
          keys: ['deps-v1-{{ checksum "greeting.txt" }}', deps-v1-]
      - run: mkdir -p deps && echo "deps for $(cat greeting.txt)" > deps/list.txt
      - save_cache:
          key: deps-v1-{{ checksum "greeting.txt" }}
          paths: [deps]
      - run: echo "building $(cat greeting.txt) at $CIRCLE_SHA1" && test -d .git
      - run: mkdir -p out && echo "artifact of $(cat greeting.txt)" > out/report.txt
      - store_artifacts:
          path: out
      - run: mkdir -p reports && echo '${JUNIT}' > reports/junit.xml
      - store_test_results:
          path: reports
      - persist_to_workspace:
          root: .
          paths: [out]
  test:
    executor: debian
    steps:
      - run:
          name: a server in the background
          command: echo "background started"; sleep 600
          background: true
      - attach_workspace:
          at: /tmp/ws
      - run: echo "testing on $CIRCLE_BRANCH with $(cat /tmp/ws/out/report.txt)"
      - run: echo "the secret is $API_SECRET"
      - add_ssh_keys:
          fingerprints: [DEPLOY_KEY_MD5]
      - run: stat -c '%a' ~/.ssh/id_citadel_0 && grep -A2 'Host deploy.example.test' ~/.ssh/config && cat ~/.ssh/id_citadel_0
workflows:
  main:
    jobs: [build, { test: { requires: [build] } }]
`;

test("a git push runs a two-job workflow in Docker containers through the builder daemon, and circle-shutdown drains it", async () => {
  const stack = await startCiStack({ slug: "git/acme/green", config: CONFIG }, cleanup);
  const { api, db } = stack;
  const envvar = await api("/api/v2/project/git/acme/green/envvar", {
    method: "POST",
    body: { name: "API_SECRET", value: SECRET },
  });
  assert.equal(envvar.status, 201, envvar.text);
  // An additional SSH key for add_ssh_keys, added as an admin would (the private key on stdin).
  const keyFile = join(stack.installed.dataDir, "deploy_key");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "deploy", "-f", keyFile]);
  const privateKey = readFileSync(keyFile, "utf8");
  const added = execFileSync(
    process.execPath,
    [
      "apps/console/bin/citadel.mjs",
      "project",
      "ssh-key",
      "add",
      "--slug",
      "git/acme/green",
      "--hostname",
      "deploy.example.test",
    ],
    { cwd: REPO_ROOT, env: { ...process.env, ...stack.installed.env }, input: privateKey },
  ).toString();
  const md5 = /^Added SSH key ([0-9a-f:]{47}) /.exec(added)?.[1];
  assert.ok(md5, added);
  const builder = await stack.startBuilder();

  const sha = await stack.repo.commit(
    { ".circleci/config.yml": CONFIG.replace("DEPLOY_KEY_MD5", md5), "greeting.txt": "world" },
    "say world, with the deploy key",
  );
  const workflow = await stack.finishedWorkflow();
  if (workflow.status !== "success") {
    const logs = await db.sql<{ data: string }[]>`select data from log_chunks order by created_at, seq`;
    assert.fail(
      `workflow ended ${workflow.status}; job output:\n${logs.map((l) => l.data).join("")}\nbuilder said:\n${builder.output().slice(-3000)}`,
    );
  }
  const jobs = JSON.parse((await api(`/api/v2/workflow/${workflow.id}/job`)).text) as {
    items: Array<{ name: string; job_number: number }>;
  };
  const build = jobs.items.find((j) => j.name === "build");
  const testJob = jobs.items.find((j) => j.name === "test");
  assert.ok(build && testJob);
  const buildLog = (await api(`/api/v2/project/git/acme/green/job/${build.job_number}/output`)).text;
  assert.match(buildLog, new RegExp(`building world at ${sha}`));
  assert.match(buildLog, /No cache is found for key\(s\)/);
  assert.match(buildLog, /Stored cache deps-v1-/);

  // The cache holds deps/ at its absolute path in the job container.
  const [cache] = await db.sql<{ key: string; size: number }[]>`select key, size from caches`;
  assert.match(String(cache?.key), /^deps-v1-[A-Za-z0-9+/]{43}=$/);

  // The artifact, downloadable through its URL.
  const artifacts = JSON.parse((await api(`/api/v2/project/git/acme/green/${build.job_number}/artifacts`)).text) as {
    items: Array<{ path: string; url: string }>;
  };
  assert.deepEqual(
    artifacts.items.map((a) => a.path),
    ["out/report.txt"],
  );
  const artifactUrl = new URL(artifacts.items[0]?.url ?? "");
  assert.equal((await api(artifactUrl.pathname)).text, "artifact of world\n");

  // The JUnit report, as counts and failing tests.
  const tests = JSON.parse((await api(`/api/v2/project/git/acme/green/${build.job_number}/tests`)).text) as {
    items: Array<{ name: string; result: string; message: string }>;
  };
  assert.deepEqual(
    tests.items.map((t) => [t.name, t.result]),
    [
      ["says goodbye", "failure"],
      ["says hello", "success"],
    ],
  );

  // The workspace reached the test job; the secret it printed is masked in the stored log.
  const testLog = (await api(`/api/v2/project/git/acme/green/job/${testJob.job_number}/output`)).text;
  assert.match(testLog, /testing on main with artifact of world/);
  assert.match(testLog, /the secret is \*{8}/);
  // The background step ran alongside and was stopped when the job ended (not waited for).
  assert.match(testLog, /background started/);
  // The additional SSH key is in the job's ~/.ssh (0600, with its Host entry) and masked when printed.
  assert.match(testLog, new RegExp(`Added SSH key ${md5} for host deploy\\.example\\.test`));
  assert.match(testLog, /^600$/m);
  assert.match(testLog, /Host deploy\.example\.test\n\s+IdentitiesOnly no\n\s+IdentityFile \/root\/\.ssh\/id_citadel_0/);
  assert.doesNotMatch(testLog, /OPENSSH PRIVATE KEY/);
  const stored = await db.sql<{ data: string }[]>`select data from log_chunks`;
  assert.equal(stored.filter((chunk) => chunk.data.includes(SECRET)).length, 0, "the secret is in no stored log chunk");

  // The next push restores the cache the first one saved (same key: greeting.txt is unchanged).
  await stack.repo.commit({ "notes.txt": "unrelated change" }, "a second push");
  const second = await stack.finishedWorkflow(workflow.id);
  assert.equal(second.status, "success");
  const secondJobs = JSON.parse((await api(`/api/v2/workflow/${second.id}/job`)).text) as {
    items: Array<{ name: string; job_number: number }>;
  };
  const secondBuild = secondJobs.items.find((j) => j.name === "build");
  assert.ok(secondBuild);
  const secondLog = (await api(`/api/v2/project/git/acme/green/job/${secondBuild.job_number}/output`)).text;
  assert.match(secondLog, new RegExp(`Found a cache from build ${build.job_number} at deps-v1-`));
  assert.match(secondLog, /Skipping cache generation, cache already exists for key: deps-v1-/);

  // Nothing of the jobs is left on the engine.
  const docker = new Docker();
  const leftovers = await docker.listContainers({ all: true, filters: { label: ["citadel.job"] } });
  assert.deepEqual(
    leftovers.filter((c) => c.Labels["ci.project"] === "git/acme/green"),
    [],
  );

  // circle-shutdown drains the idle daemon: it stops, and circle-shutdown exits 0.
  assert.match(await builder.shutdown(), /builder drained and stopped/);
  assert.equal(await builder.exited, 0);
  // …and deregistered: its seat is free, and the box keeps no credential to come back with.
  const fleet = await db.sql<{ state: string }[]>`select state from builders`;
  assert.deepEqual(
    fleet.map((b) => b.state),
    ["deregistered"],
  );
  assert.equal(existsSync(join(builder.dataDir, "credential.json")), false);
});
