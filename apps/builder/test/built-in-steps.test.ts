// Caches, artifacts, workspaces and test results, end to end between a real job container and a real
// services box (PostgreSQL, HTTPS, the builder protocol), without the daemon's loop in between.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdir } from "node:fs/promises";
import { request } from "node:https";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setProjectEnvVar } from "@citadel/db";
import { caches, workspaceLayers } from "@citadel/db/schema";
import type { PlannedStep } from "@citadel/pipeline";
import type { JobSpec } from "@citadel/protocol";
import { eq, sql } from "drizzle-orm";
import { type ServicesHarness, startServicesHarness } from "../../services/test/support/services-harness";
import { PinnedHttpsClient } from "../src/client/pinned-https";
import { ServicesApi, ServicesRefusedError } from "../src/client/services-api";
import { LogShipper } from "../src/daemon/log-shipper";
import { runBuiltInStep } from "../src/daemon/steps/built-in-steps";
import type { DockerSandbox } from "../src/runtime/docker/index";
import { jobSpec, logger, runtime, testBuilderId } from "./support";

const SECRET = "s3cr3t-junit-value";
const CONFIG = `version: 2.1
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps: [{ run: echo build }]
  test:
    docker: [{ image: cimg/base:stable }]
    steps: [{ run: echo test }]
workflows:
  main:
    jobs: [build, { test: { requires: [build] } }]
`;

const builderId = testBuilderId("built-in");
let services: ServicesHarness;
let http: PinnedHttpsClient;
let api: ServicesApi;
let projectId: string;
const sandboxes: DockerSandbox[] = [];

before(async () => {
  services = await startServicesHarness();
  await services.installLicense({ maxBuilders: 3 });
  http = new PinnedHttpsClient(services.url, services.fingerprint);
  let credential: string | null = null;
  api = new ServicesApi(http, () => credential);
  const registered = await api.register({
    joinToken: await services.joinToken(),
    name: "steps",
    host: "steps.test",
    runtime: "docker",
    version: "0.1.0",
    slots: 2,
  });
  credential = registered.credential;
  const project = await services.createProject("git/acme/objects");
  projectId = project.id;
  await setProjectEnvVar(services.db, services.ctx.keyring, { projectId, name: "API_SECRET", value: SECRET });
});
after(async () => {
  for (const sandbox of sandboxes) await sandbox.destroy();
  http?.close();
  await services?.close();
});

/** Claims the next queued job and gives it a fresh container. */
async function claimWithSandbox(): Promise<{ job: JobSpec; sandbox: DockerSandbox; output: () => string; step: Step }> {
  const job = await api.claim(1, 5);
  assert.ok(job, "a job was queued");
  const sandbox = await runtime(builderId).prepare(jobSpec());
  sandboxes.push(sandbox);
  let output = "";
  const step: Step = (planned) =>
    runBuiltInStep(planned, {
      job,
      sandbox,
      api,
      out: {
        write: (text) => {
          output += text;
        },
      },
      workingDirectory: "~/project",
      env: { ...job.environment, LANG_VERSION: "1.2" },
    });
  return { job, sandbox, output: () => output, step };
}
type Step = (planned: PlannedStep) => ReturnType<typeof runBuiltInStep>;

async function sh(sandbox: DockerSandbox, command: string): Promise<string> {
  let out = "";
  const result = await sandbox.exec(command, {
    onOutput: (_s, chunk) => {
      out += chunk;
    },
  });
  assert.equal(result.exitCode, 0, `${command}: ${out}`);
  return out;
}

function apiGet(path: string, token: string | null): Promise<{ status: number; body: Buffer }> {
  const url = new URL(path, services.url);
  return new Promise((resolve, reject) => {
    request(url, { rejectUnauthorized: false, headers: token ? { "Circle-Token": token } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    })
      .on("error", reject)
      .end();
  });
}

const base = { name: "step" };

describe("built-in steps between a job container and the services box", () => {
  let build: Awaited<ReturnType<typeof claimWithSandbox>>;

  test("save_cache stores the paths once per key; a second save of the key is skipped", async () => {
    await services.createPipeline(projectId, CONFIG);
    build = await claimWithSandbox();
    await sh(
      build.sandbox,
      "mkdir -p ~/project/deps/sub && echo dep-content > ~/project/deps/sub/a.txt && echo lock-v1 > ~/project/deps.lock",
    );
    const save: PlannedStep = {
      ...base,
      type: "save_cache",
      key: 'deps-{{ .Branch }}-{{ .Environment.LANG_VERSION }}-{{ checksum "deps.lock" }}',
      paths: ["deps", "~/missing-dir"],
      when: "on_success",
    };
    assert.equal(await build.step(save), "success");
    const rows = await services.db.select().from(caches).where(eq(caches.projectId, projectId));
    assert.equal(rows.length, 1);
    const checksum = execFileSync("sh", ["-c", "printf 'lock-v1\\n' | openssl dgst -sha256 -binary | base64"]).toString().trim();
    assert.equal(rows[0]?.key, `deps-main-1.2-${checksum}`);
    assert.match(build.output(), /Warning: could not find \/root\/missing-dir; it is not cached/);
    assert.match(build.output(), /Stored cache deps-main-1\.2-/);

    assert.equal(await build.step(save), "success");
    assert.match(build.output(), /Skipping cache generation, cache already exists for key: deps-main-1\.2-/);
    assert.equal((await services.db.select().from(caches).where(eq(caches.projectId, projectId))).length, 1);
  });

  test("a cache key template that cannot be evaluated fails the step with its reason", async () => {
    const bad: PlannedStep = { ...base, type: "save_cache", key: "k-{{ .Nope }}", paths: ["deps"], when: "on_success" };
    assert.equal(await build.step(bad), "failed");
    assert.match(build.output(), /unknown cache key template \{\{ \.Nope \}\}/);
    const missing: PlannedStep = { ...base, type: "restore_cache", keys: ['k-{{ checksum "no-such-file" }}'] };
    assert.equal(await build.step(missing), "failed");
    assert.match(build.output(), /cannot compute \{\{ checksum "no-such-file" \}\}: no-such-file does not exist/);
  });

  test("store_artifacts uploads every file under the path, downloadable with an API token only", async () => {
    await sh(build.sandbox, "mkdir -p /tmp/out/logs && echo report > /tmp/out/report.txt && echo deep > /tmp/out/logs/deep.log");
    const step: PlannedStep = { ...base, type: "store_artifacts", path: "/tmp/out", destination: "results" };
    assert.equal(await build.step(step), "success");
    assert.match(build.output(), /Uploaded 2 artifact files/);
    const listed = await apiGet(`/api/v2/project/git/acme/objects/${build.job.number}/artifacts`, services.apiToken);
    const items = (JSON.parse(listed.body.toString()) as { items: Array<{ path: string; url: string }> }).items;
    assert.deepEqual(
      items.map((i) => i.path),
      ["results/logs/deep.log", "results/report.txt"],
    );
    const report = items.find((i) => i.path === "results/report.txt");
    assert.ok(report);
    const downloaded = await apiGet(new URL(report.url).pathname, services.apiToken);
    assert.equal(downloaded.status, 200);
    assert.equal(downloaded.body.toString(), "report\n");
    assert.equal((await apiGet(new URL(report.url).pathname, null)).status, 401);

    const none: PlannedStep = { ...base, type: "store_artifacts", path: "/tmp/nothing-here" };
    assert.equal(await build.step(none), "success");
    assert.match(build.output(), /No artifact files found at \/tmp\/nothing-here/);
  });

  test("store_test_results parses JUnit reports into tests with failures, secrets masked", async () => {
    const junit = `<?xml version="1.0"?>
<testsuites><testsuite name="math" file="math.test.js">
  <testcase classname="math" name="adds" time="0.25"/>
  <testcase classname="math" name="divides"><failure message="expected 2">token was ${SECRET}</failure></testcase>
  <testcase classname="math" name="later"><skipped/></testcase>
</testsuite></testsuites>`;
    await sh(
      build.sandbox,
      `mkdir -p ~/project/reports && cat > ~/project/reports/junit.xml <<'XML'\n${junit}\nXML\necho 'not xml <' > ~/project/reports/broken.xml`,
    );
    assert.equal(await build.step({ ...base, type: "store_test_results", path: "reports" }), "success");
    assert.match(build.output(), /Found 3 tests in 1 report: 1 failed/);
    assert.match(build.output(), /Skipping project\/reports\/broken\.xml|Skipping reports\/broken\.xml/);
    const listed = await apiGet(`/api/v2/project/git/acme/objects/${build.job.number}/tests`, services.apiToken);
    const tests = (JSON.parse(listed.body.toString()) as { items: Array<Record<string, unknown>> }).items;
    assert.deepEqual(
      tests.map((t) => [t.name, t.result]),
      [
        ["adds", "success"],
        ["divides", "failure"],
        ["later", "skipped"],
      ],
    );
    const failure = tests.find((t) => t.name === "divides");
    assert.match(String(failure?.message), /expected 2\ntoken was \*{8}/);
    assert.doesNotMatch(listed.body.toString(), new RegExp(SECRET));
    assert.equal(tests[0]?.run_time, 0.25);
  });

  test("persist_to_workspace then attach_workspace in the job that requires it; restore_cache by prefix", async () => {
    await sh(
      build.sandbox,
      "mkdir -p ~/project/dist/bin && echo app > ~/project/dist/bin/app && echo notes > ~/project/notes.txt",
    );
    const persist: PlannedStep = { ...base, type: "persist_to_workspace", root: ".", paths: ["dist", "notes.txt"] };
    assert.equal(await build.step(persist), "success");
    const outside: PlannedStep = { ...base, type: "persist_to_workspace", root: "dist", paths: ["../notes.txt"] };
    assert.equal(await build.step(outside), "failed");
    assert.match(build.output(), /outside the workspace root/);
    assert.equal((await services.db.select().from(workspaceLayers)).length, 1);
    assert.deepEqual(await api.finish(build.job, { status: "success", logChunkCount: 0 }), []);

    const testJob = await claimWithSandbox();
    assert.equal(testJob.job.name, "test");
    assert.equal(await testJob.step({ ...base, type: "attach_workspace", at: "/tmp/ws" }), "success");
    assert.equal(await sh(testJob.sandbox, "cat /tmp/ws/dist/bin/app /tmp/ws/notes.txt"), "app\nnotes\n");
    assert.match(testJob.output(), /Attached the workspace layer of build/);

    const restore: PlannedStep = { ...base, type: "restore_cache", keys: ["deps-other-branch", "deps-{{ .Branch }}-"] };
    assert.equal(await testJob.step(restore), "success");
    assert.match(testJob.output(), new RegExp(`Found a cache from build ${build.job.number} at deps-main-1\\.2-`));
    assert.equal(await sh(testJob.sandbox, "cat ~/project/deps/sub/a.txt"), "dep-content\n");
    const nothing: PlannedStep = { ...base, type: "restore_cache", keys: ["never-saved-"] };
    assert.equal(await testJob.step(nothing), "success");
    assert.match(testJob.output(), /No cache is found for key\(s\):\n {2}never-saved-/);
    await api.finish(testJob.job, { status: "success", logChunkCount: 0 });
  });

  test("a full disk on the services box refuses the cache with a clear error and keeps nothing", async () => {
    const objects = join(services.dataDir, "objects");
    execFileSync("mkdir", ["-p", objects]);
    const mountedBefore = await readdir(objects);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", objects]);
    try {
      await services.createPipeline(projectId, CONFIG);
      const job = await claimWithSandbox();
      await sh(job.sandbox, "mkdir -p ~/big && head -c 3000000 /dev/urandom > ~/big/blob");
      const save: PlannedStep = { ...base, type: "save_cache", key: "big-v1", paths: ["~/big"], when: "on_success" };
      await assert.rejects(job.step(save), (error: Error) => {
        assert.ok(error instanceof ServicesRefusedError);
        assert.equal(error.status, 507);
        assert.match(error.message, /ran out of disk space storing the cache big-v1; nothing was kept/);
        return true;
      });
      assert.deepEqual(await readdir(join(objects, "caches", projectId)), []);
      assert.equal((await services.db.select().from(caches).where(eq(caches.key, "big-v1"))).length, 0);
      await api.finish(job.job, { status: "failed", logChunkCount: 0 });
    } finally {
      execFileSync("umount", [objects]);
    }
    assert.deepEqual(await readdir(objects), mountedBefore, "the earlier objects are untouched");
  });

  test("a step printing 20 MB (in one burst) reaches the services box whole and in order through the log shipper", async () => {
    await services.createPipeline(projectId, CONFIG);
    const { job, sandbox } = await claimWithSandbox();
    const shipper = new LogShipper(api, job, logger);
    const out = shipper.stream(0);
    const result = await sandbox.exec("seq -w 1 750000 | sed 's/$/ line of the big log/'", {
      onOutput: (_stream, chunk) => out.write(chunk),
    });
    assert.equal(result.exitCode, 0);
    out.end();
    const chunkCount = await shipper.close();
    assert.deepEqual(await api.finish(job, { status: "success", logChunkCount: chunkCount }), [], "no chunk is missing");
    const [stored] = await services.db.execute<{ chars: number; lines: number; last: string }>(sql`
      select sum(length(data))::int as chars,
             sum(length(data) - length(replace(data, chr(10), '')))::int as lines,
             right(string_agg(data, '' order by seq), 54) as last
      from log_chunks where job_id = ${job.jobId}`);
    assert.equal(stored?.lines, 750_000);
    assert.equal(stored?.chars, 750_000 * "000001 line of the big log\n".length);
    assert.equal(stored?.last, "749999 line of the big log\n750000 line of the big log\n");
  });
});
