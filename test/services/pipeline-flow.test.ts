import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { request } from "node:https";
import { join } from "node:path";
import { after, test } from "node:test";
import { promisify } from "node:util";
import { openDatabase } from "@citadel/db";
import { certificates } from "@citadel/db/schema";
import { postReceiveHookScript } from "@citadel/projects";
import type { JobSpec } from "@citadel/protocol";
import { eq } from "drizzle-orm";
import { pino } from "pino";
import { httpsGet, REPO_ROOT } from "../support/appliance";
import { BuilderProtocolClient } from "../support/builder-protocol-client";
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
    steps: [checkout, { run: echo building }]
  test:
    docker: [{ image: citadel/job-debian:bookworm }]
    steps: [{ run: echo testing }]
workflows:
  main:
    jobs: [build, { test: { requires: [build] } }]
`;

/** Plays one builder's part for a job: steps, a log line, success. */
async function runAsBuilder(builder: BuilderProtocolClient, expectName: string): Promise<JobSpec> {
  let job: JobSpec | null = null;
  for (let i = 0; i < 10 && !job; i++) job = await builder.claim({ freeSlots: 1, waitSeconds: 5 });
  assert.ok(job, `a ${expectName} job was queued`);
  assert.equal(job.name, expectName);
  await builder.step(job, { event: "start", index: 0, name: "run" });
  await builder.sendLogs(job, [{ seq: 0, step: 0, data: `output of ${job.name} #${job.number}\n` }]);
  await builder.step(job, { event: "finish", index: 0, name: "run", status: "success", exitCode: 0 });
  const finish = await builder.finish(job, { status: "success", reason: null, logChunkCount: 1 });
  assert.equal(finish.status, 200, JSON.stringify(finish.body));
  return job;
}

test("pipelines from a signed git webhook and from API v2 flow through the queue to a builder and back with their logs", async () => {
  const git = await startGitSshServer();
  cleanup.push(() => git.stop());
  const installed = await startInstalledAppliance({ maxBuilders: 2 });
  cleanup.push(() => installed.destroy());
  const { app, dataDir, ports, env } = installed;

  const citadel = async (...args: string[]) =>
    (await run(process.execPath, ["apps/console/bin/citadel.mjs", ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env } }))
      .stdout;
  const repo = await git.createRepo("app", { ".circleci/config.yml": CONFIG });
  const added = await citadel("project", "add", "--slug", "git/acme/app", "--git-url", repo.url);
  const deployKey = /^\s+(ssh-ed25519 \S+.*)$/m.exec(added)?.[1];
  const webhookUrl = /^Webhook URL:\s+(\S+)$/m.exec(added)?.[1];
  const webhookSecret = /^Webhook secret:\s+(\S+)$/m.exec(added)?.[1];
  assert.ok(deployKey && webhookUrl && webhookSecret, added);
  await git.authorize(deployKey);
  const token = (await citadel("token", "create", "--name", "flow-test")).trim();
  const joinToken = (await citadel("builder", "join-token")).trim();

  const db = await openDatabase({ logger: pino({ level: "silent" }), dataDir, embedded: "attach" });
  cleanup.push(() => db.close());
  const [certificate] = await db.db.select().from(certificates).where(eq(certificates.active, true));
  assert.ok(certificate);
  const caFile = join(dataDir, "services-ca.pem");
  await writeFile(caFile, certificate.certificatePem);
  await repo.installPostReceiveHook(postReceiveHookScript(webhookUrl, webhookSecret, { caCertPath: caFile }));

  const builder = await BuilderProtocolClient.register(joinToken, {
    name: "flow-builder",
    host: "localhost",
    runtime: "docker",
    version: "test",
    slots: 1,
  });
  cleanup.push(async () => builder.close());

  const api = async (method: "GET" | "POST", path: string, body?: unknown) => {
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          host: "localhost",
          port: ports.https,
          path,
          method,
          ca: certificate.certificatePem,
          headers: { "Circle-Token": token, "Content-Type": "application/json" },
        },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => {
            text += chunk;
          });
          response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
        },
      );
      req.on("error", reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
    return res;
  };

  // 1. A push: the post-receive hook signs and sends the webhook; the workflow runs build then test.
  await repo.commit({ "README.md": "hello\n" }, "second commit");
  assert.match(repo.hookOutput(), /20[0-9]/, `the hook reached the services box: ${repo.hookOutput()}`);
  const build = await runAsBuilder(builder, "build");
  assert.equal(build.projectSlug, "git/acme/app");
  assert.equal(build.git.branch, "main");
  assert.equal(build.checkout.sshHostKey?.startsWith("[127.0.0.1]"), true, "the git server's host key was pinned");
  const testJob = await runAsBuilder(builder, "test");
  const pipeline = JSON.parse((await api("GET", `/api/v2/pipeline/${build.pipelineId}`)).text);
  assert.equal(pipeline.trigger.type, "webhook");
  const workflow = JSON.parse((await api("GET", `/api/v2/workflow/${build.workflowId}`)).text);
  assert.equal(workflow.status, "success");
  const log = await api("GET", `/api/v2/project/git/acme/app/job/${testJob.number}/output`);
  assert.equal(log.status, 200);
  assert.equal(log.text, `output of test #${testJob.number}\n`);

  // 2. The same through API v2.
  const triggered = await api("POST", "/api/v2/project/git/acme/app/pipeline", { branch: "main" });
  assert.equal(triggered.status, 201, triggered.text);
  const created = JSON.parse(triggered.text) as { id: string; number: number; state: string };
  assert.equal(created.state, "created");
  const apiBuild = await runAsBuilder(builder, "build");
  assert.equal(apiBuild.pipelineId, created.id);
  await runAsBuilder(builder, "test");
  const jobs = JSON.parse((await api("GET", `/api/v2/workflow/${apiBuild.workflowId}/job`)).text) as {
    items: Array<{ status: string }>;
  };
  assert.deepEqual(
    jobs.items.map((j) => j.status),
    ["success", "success"],
  );
  const apiLog = await api("GET", `/api/v2/project/git/acme/app/job/${apiBuild.number}/output`);
  assert.equal(apiLog.text, `output of build #${apiBuild.number}\n`);
  assert.equal((await httpsGet(`https://localhost:${ports.https}/healthz`, certificate.certificatePem)).status, 200);

  app.child.kill("SIGTERM");
  assert.equal(await app.exited, 0);
});
