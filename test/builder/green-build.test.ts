import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { promisify } from "node:util";
import { openDatabase } from "@citadel/db";
import { certificates } from "@citadel/db/schema";
import { postReceiveHookScript } from "@citadel/projects";
import Docker from "dockerode";
import { eq } from "drizzle-orm";
import { pino } from "pino";
import { REPO_ROOT } from "../support/appliance";
import { startGitSshServer } from "../support/git-ssh-server";
import { startInstalledAppliance } from "../support/installed-appliance";

const run = promisify(execFile);
const cleanup: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

const CONFIG = `version: 2.1
jobs:
  build:
    docker: [{ image: citadel/job-debian:bookworm }]
    steps:
      - checkout
      - run: echo "building $(cat greeting.txt) at $CIRCLE_SHA1" && test -d .git
  test:
    docker: [{ image: citadel/job-debian:bookworm }]
    steps:
      - run: echo "testing on $CIRCLE_BRANCH"
workflows:
  main:
    jobs: [build, { test: { requires: [build] } }]
`;

test("a git push runs a two-job workflow in Docker containers through the builder daemon, and circle-shutdown drains it", async () => {
  const git = await startGitSshServer();
  cleanup.push(() => git.stop());
  const installed = await startInstalledAppliance();
  cleanup.push(() => installed.destroy());
  const { dataDir, env, ports } = installed;
  const citadel = async (...args: string[]) =>
    (await run(process.execPath, ["apps/console/bin/citadel.mjs", ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env } }))
      .stdout;

  const repo = await git.createRepo("green", { ".circleci/config.yml": CONFIG, "greeting.txt": "hello" });
  const added = await citadel("project", "add", "--slug", "git/acme/green", "--git-url", repo.url);
  const deployKey = /^\s+(ssh-ed25519 \S+.*)$/m.exec(added)?.[1];
  const webhookUrl = /^Webhook URL:\s+(\S+)$/m.exec(added)?.[1];
  const webhookSecret = /^Webhook secret:\s+(\S+)$/m.exec(added)?.[1];
  assert.ok(deployKey && webhookUrl && webhookSecret, added);
  await git.authorize(deployKey);
  const token = (await citadel("token", "create", "--name", "green")).trim();
  const joinToken = (await citadel("builder", "join-token")).trim();
  const db = await openDatabase({ logger: pino({ level: "silent" }), dataDir, embedded: "attach" });
  cleanup.push(() => db.close());
  const [certificate] = await db.db.select().from(certificates).where(eq(certificates.active, true));
  assert.ok(certificate);
  const caFile = join(dataDir, "services-ca.pem");
  await writeFile(caFile, certificate.certificatePem);
  await repo.installPostReceiveHook(postReceiveHookScript(webhookUrl, webhookSecret, { caCertPath: caFile }));

  // The builder daemon, as a builder box runs it (this 2-CPU box is below one default slot: --slots 1).
  const builderDir = await mkdtemp(join(tmpdir(), "citadel-builder-"));
  cleanup.push(() => rm(builderDir, { recursive: true, force: true }));
  const daemon = spawn(
    process.execPath,
    [
      "apps/builder/bin/citadel-builder.mjs",
      "--join-token",
      joinToken,
      "--data-dir",
      builderDir,
      "--slots",
      "1",
      "--job-network",
      "none",
    ],
    { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env } },
  );
  let daemonOutput = "";
  daemon.stdout.on("data", (chunk: Buffer) => {
    daemonOutput += chunk.toString();
  });
  daemon.stderr.on("data", (chunk: Buffer) => {
    daemonOutput += chunk.toString();
  });
  const daemonExit = new Promise<number | null>((resolve) => daemon.once("exit", (code) => resolve(code)));
  cleanup.push(async () => daemon.exitCode === null && daemon.kill("SIGKILL"));
  for (let i = 0; i < 120 && !daemonOutput.includes('"msg":"builder ready"'); i++) {
    if (daemon.exitCode !== null) assert.fail(`the builder daemon exited: ${daemonOutput}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.match(daemonOutput, /builder ready/);

  const api = (path: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      request(
        { host: "localhost", port: ports.https, path, ca: certificate.certificatePem, headers: { "Circle-Token": token } },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => {
            text += c;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        },
      )
        .on("error", reject)
        .end();
    });

  const sha = await repo.commit({ "greeting.txt": "world" }, "say world");
  let workflow: { status: string; id: string } | undefined;
  for (let i = 0; i < 240; i++) {
    workflow = await workflowOf();
    if (workflow && ["success", "failed", "error", "canceled"].includes(workflow.status)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (workflow?.status !== "success") {
    const logs = await db.sql<{ data: string }[]>`select data from log_chunks order by created_at, seq`;
    assert.fail(
      `workflow ended ${workflow?.status}; job output:\n${logs.map((l) => l.data).join("")}\nbuilder said:\n${daemonOutput.slice(-3000)}`,
    );
  }
  const jobs = JSON.parse((await api(`/api/v2/workflow/${workflow?.id}/job`)).text) as {
    items: Array<{ name: string; job_number: number }>;
  };
  const build = jobs.items.find((j) => j.name === "build");
  const testJob = jobs.items.find((j) => j.name === "test");
  assert.ok(build && testJob);
  const buildLog = (await api(`/api/v2/project/git/acme/green/job/${build.job_number}/output`)).text;
  assert.match(buildLog, new RegExp(`building world at ${sha}`));
  const testLog = (await api(`/api/v2/project/git/acme/green/job/${testJob.job_number}/output`)).text;
  assert.match(testLog, /testing on main/);

  // Nothing of the jobs is left on the engine.
  const docker = new Docker();
  const leftovers = await docker.listContainers({ all: true, filters: { label: ["citadel.job"] } });
  assert.deepEqual(
    leftovers.filter((c) => c.Labels["ci.project"] === "git/acme/green"),
    [],
  );

  // circle-shutdown drains the idle daemon: it stops, and circle-shutdown exits 0.
  const shutdown = await run(process.execPath, ["apps/builder/bin/circle-shutdown.mjs", "--data-dir", builderDir], {
    cwd: REPO_ROOT,
  });
  assert.match(shutdown.stdout, /builder drained and stopped/);
  assert.equal(await daemonExit, 0);

  async function workflowOf(): Promise<{ status: string; id: string } | undefined> {
    const rows = await db.sql<
      { id: string; status: string }[]
    >`select id, status from workflows order by created_at desc limit 1`;
    return rows[0];
  }
});
