import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { request } from "node:https";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { requestDrain } from "@citadel/db";
import { jobSteps, jobs, settings } from "@citadel/db/schema";
import type { JobSpec } from "@citadel/protocol";
import { eq } from "drizzle-orm";
import { SignJWT } from "jose";
import { REPO_ROOT } from "../../../test/support/appliance";
import { BuilderProtocolClient, type ProtocolError } from "../../../test/support/builder-protocol-client";
import { sweepLapsedLeases } from "../src/domain/queue";
import { approveJob, cancelWorkflow } from "../src/domain/workflow-state";
import { jobsOfPipeline, statusesOfPipeline, workflowOfPipeline } from "./support/job-queries";
import { type ServicesHarness, startServicesHarness } from "./support/services-harness";

const IMAGE = "docker:\n      - image: cimg/base:stable";
const BUILD_THEN_TEST = `version: 2.1
jobs:
  build:
    ${IMAGE}
    steps: [checkout, { run: echo build }]
  test:
    ${IMAGE}
    steps: [{ run: echo test }]
workflows:
  main:
    jobs: [build, { test: { requires: [build] } }]
`;
const WITH_APPROVAL = `version: 2.1
jobs:
  build:
    ${IMAGE}
    steps: [{ run: echo build }]
  deploy:
    ${IMAGE}
    steps: [{ run: echo deploy }]
workflows:
  release:
    jobs:
      - build
      - hold: { type: approval, requires: [build] }
      - deploy: { requires: [hold], context: [prod] }
`;
const BUILDER = { name: "b1", host: "builder-1.test", runtime: "docker" as const, version: "0.1.0", slots: 4 };

let services: ServicesHarness;
let builder: BuilderProtocolClient;
before(async () => {
  services = await startServicesHarness();
  await services.installLicense({ maxBuilders: 3 });
});
after(async () => {
  builder?.close();
  await services?.close();
});

/** Runs a claimed job to its end: a start and finish step event, the given log chunks, then finish. */
async function runJob(spec: JobSpec, status: "success" | "failed", output = [`running ${spec.name}\n`]) {
  await builder.step(spec, { event: "start", index: 0, name: "run" });
  await builder.sendLogs(
    spec,
    output.map((data, seq) => ({ seq, step: 0, data })),
  );
  await builder.step(spec, { event: "finish", index: 0, name: "run", status, exitCode: status === "success" ? 0 : 1 });
  const finished = await builder.finish(spec, { status, logChunkCount: output.length });
  assert.equal(finished.status, 200, JSON.stringify(finished.body));
}

async function claimNow(client = builder) {
  return client.claim({ freeSlots: 1, waitSeconds: 0 });
}

describe("builder protocol", () => {
  test("a join token from `citadel builder join-token` registers a builder, once", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", join(REPO_ROOT, "apps/console/src/cli/main.ts"), "builder", "join-token", "--ttl", "10m"],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, CITADEL_DATA_DIR: services.dataDir, CITADEL_HTTPS_PORT: new URL(services.url).port },
      },
    );
    const joinToken = stdout.trim();
    assert.match(joinToken, /^citadel-join\./);
    builder = await BuilderProtocolClient.register(joinToken, BUILDER);
    assert.match(builder.builderId, /^[0-9a-f-]{36}$/);
    await assert.rejects(BuilderProtocolClient.register(joinToken, BUILDER), (error: ProtocolError) => {
      assert.equal(error.status, 401);
      assert.match(String((error.body as { message: string }).message), /already used or expired/);
      return true;
    });
  });

  test("claim, steps, logs out of order and twice, finish; the dependent is queued, runs, and the log reads in order", async () => {
    const project = await services.createProject("git/acme/app");
    const pipeline = await services.createPipeline(project.id, BUILD_THEN_TEST);
    assert.deepEqual(await statusesOfPipeline(services.db, pipeline.id), { build: "queued", test: "blocked" });

    const build = await claimNow();
    assert.ok(build);
    assert.equal(build.name, "build");
    assert.equal(build.projectSlug, "git/acme/app");
    assert.equal(build.circle.CIRCLE_BRANCH, "main");
    assert.equal(build.checkout.deployPrivateKey.startsWith("-----BEGIN OPENSSH PRIVATE KEY-----"), true);
    assert.equal(await claimNow(), null, "test stays blocked while build runs");

    const follow = followOutput(`/api/v2/project/git/acme/app/job/${build.number}/output?follow=1`);
    await builder.step(build, { event: "start", index: 0, name: "Checkout code" });
    assert.deepEqual(await builder.sendLogs(build, [{ seq: 2, step: 0, data: "three\n" }]), { stored: 1 });
    assert.deepEqual(await builder.sendLogs(build, [{ seq: 0, step: 0, data: "one\n" }]), { stored: 1 });
    // A retried batch: seq 0 again is stored once.
    assert.deepEqual(
      await builder.sendLogs(build, [
        { seq: 0, step: 0, data: "one\n" },
        { seq: 3, step: 0, data: "four\n" },
      ]),
      { stored: 1 },
    );
    const early = await builder.finish(build, { status: "success", logChunkCount: 4 });
    assert.equal(early.status, 409, "finish refused while a chunk is missing");
    assert.deepEqual((early.body as { missingSeqs: number[] }).missingSeqs, [1]);
    await builder.sendLogs(build, [{ seq: 1, step: 0, data: "two\n" }]);
    await builder.step(build, { event: "finish", index: 0, name: "Checkout code", status: "success", exitCode: 0 });
    assert.equal((await builder.finish(build, { status: "success", logChunkCount: 4 })).status, 200);

    const [step] = await services.db.select().from(jobSteps).where(eq(jobSteps.jobId, build.jobId));
    assert.deepEqual([step?.status, step?.exitCode], ["success", 0]);
    const streamed = await follow;
    assert.equal(streamed.text, "one\ntwo\nthree\nfour\n");
    assert.equal(streamed.end, '{"status":"success"}');
    const output = await getOutput(`/api/v2/project/git/acme/app/job/${build.number}/output`);
    assert.deepEqual(output, { status: 200, body: "one\ntwo\nthree\nfour\n" });

    // The job token dies with its job.
    await assert.rejects(
      builder.sendLogs(build, [{ seq: 9, step: 0, data: "late" }]),
      (error: ProtocolError) => error.status === 409,
    );

    assert.deepEqual(await statusesOfPipeline(services.db, pipeline.id), { build: "success", test: "queued" });
    const testJob = await claimNow();
    assert.equal(testJob?.name, "test");
    assert.equal(testJob.number, build.number + 1);
    assert.equal((await workflowOfPipeline(services.db, pipeline.id)).status, "running");
    await runJob(testJob, "success");
    assert.equal((await workflowOfPipeline(services.db, pipeline.id)).status, "success");
  });

  test("a failed requirement makes its dependents not_run and the workflow failed", async () => {
    const project = await services.createProject("git/acme/fails");
    const pipeline = await services.createPipeline(project.id, BUILD_THEN_TEST);
    const build = await claimNow();
    assert.equal(build?.name, "build");
    await runJob(build, "failed");
    assert.deepEqual(await statusesOfPipeline(services.db, pipeline.id), { build: "failed", test: "not_run" });
    assert.equal((await workflowOfPipeline(services.db, pipeline.id)).status, "failed");
    assert.equal(await claimNow(), null);
  });

  test("an approval waits on_hold until approved; the approved job gets its context's secrets", async () => {
    const { ensureContext, setContextEnvVar } = await import("@citadel/db");
    await ensureContext(services.db, "prod");
    await setContextEnvVar(services.db, services.ctx.keyring, {
      contextName: "prod",
      name: "DEPLOY_TOKEN",
      value: "s3cr3t-value",
    });
    const project = await services.createProject("git/acme/release");
    const pipeline = await services.createPipeline(project.id, WITH_APPROVAL);
    const build = await claimNow();
    assert.equal(build?.name, "build");
    await runJob(build, "success");
    assert.deepEqual(await statusesOfPipeline(services.db, pipeline.id), {
      build: "success",
      hold: "on_hold",
      deploy: "blocked",
    });
    const workflow = await workflowOfPipeline(services.db, pipeline.id);
    assert.equal(workflow.status, "on_hold");
    assert.equal(await claimNow(), null);

    const hold = (await jobsOfPipeline(services.db, pipeline.id)).find(({ job }) => job.name === "hold");
    assert.ok(hold);
    await approveJob(services.db, workflow.id, hold.job.id, "admin");
    const deploy = await claimNow();
    assert.equal(deploy?.name, "deploy");
    assert.equal(deploy.environment.DEPLOY_TOKEN, "s3cr3t-value");
    assert.deepEqual(deploy.secretValues, ["s3cr3t-value"]);
    await runJob(deploy, "success");
    assert.equal((await workflowOfPipeline(services.db, pipeline.id)).status, "success");
  });

  test("a cancel reaches the builder on its next heartbeat", async () => {
    const project = await services.createProject("git/acme/cancel");
    const pipeline = await services.createPipeline(project.id, BUILD_THEN_TEST);
    const build = await claimNow();
    assert.ok(build);
    const quiet = await builder.heartbeat({ state: "active", freeSlots: 3, runningJobIds: [build.jobId] });
    assert.deepEqual(quiet.commands, []);
    await cancelWorkflow(services.db, build.workflowId);
    assert.deepEqual(await statusesOfPipeline(services.db, pipeline.id), { build: "running", test: "canceled" });
    const told = await builder.heartbeat({ state: "active", freeSlots: 3, runningJobIds: [build.jobId] });
    assert.deepEqual(told.commands, [{ type: "cancel", jobId: build.jobId }]);
    assert.equal(await requestDrain(services.db, builder.builderId), true);
    const drain = await builder.heartbeat({ state: "active", freeSlots: 3, runningJobIds: [build.jobId] });
    assert.deepEqual(drain.commands, [{ type: "cancel", jobId: build.jobId }, { type: "drain" }]);
    const once = await builder.heartbeat({ state: "active", freeSlots: 3, runningJobIds: [] });
    assert.deepEqual(once.commands, [], "a drain command is delivered once");
    assert.equal((await builder.finish(build, { status: "canceled", logChunkCount: 0 })).status, 200);
    const workflow = await workflowOfPipeline(services.db, pipeline.id);
    assert.equal(workflow.status, "canceled");
    assert.ok(workflow.stoppedAt);
  });

  test("a lapsed lease fails the job as infrastructure_fail and re-queues it once", async () => {
    const shortLeaseUrl = await services.listener({ leaseSeconds: 1 });
    const dying = await BuilderProtocolClient.register(await services.joinToken(shortLeaseUrl), { ...BUILDER, name: "dying" });
    try {
      const project = await services.createProject("git/acme/lease");
      const pipeline = await services.createPipeline(project.id, BUILD_THEN_TEST);
      const first = await claimNow(dying);
      assert.equal(first?.name, "build");
      await new Promise((resolve) => setTimeout(resolve, 1_300));
      assert.equal(await sweepLapsedLeases(services.db), 1);
      const rows = await jobsOfPipeline(services.db, pipeline.id);
      const attempts = rows.filter(({ job }) => job.name === "build").map(({ job }) => job);
      assert.deepEqual(
        attempts.map((job) => [job.attempt, job.status, job.retryOf]),
        [
          [1, "infrastructure_fail", null],
          [2, "queued", first.jobId],
        ],
      );
      assert.equal((await workflowOfPipeline(services.db, pipeline.id)).status, "running");
      // The dead builder, if it comes back, is told to stop the job it lost.
      const back = await dying.heartbeat({ state: "active", freeSlots: 4, runningJobIds: [first.jobId] });
      assert.deepEqual(back.commands, [{ type: "cancel", jobId: first.jobId }]);

      const second = await claimNow(dying);
      assert.equal(second?.attempt, 2);
      await new Promise((resolve) => setTimeout(resolve, 1_300));
      assert.equal(await sweepLapsedLeases(services.db), 1);
      assert.deepEqual(await statusesOfPipeline(services.db, pipeline.id), { build: "infrastructure_fail", test: "not_run" });
      assert.equal((await workflowOfPipeline(services.db, pipeline.id)).status, "failed");
      assert.equal(await claimNow(), null, "no third attempt");
    } finally {
      dying.close();
    }
  });

  test("heartbeats renew the lease", async () => {
    const shortLeaseUrl = await services.listener({ leaseSeconds: 1 });
    const alive = await BuilderProtocolClient.register(await services.joinToken(shortLeaseUrl), { ...BUILDER, name: "alive" });
    try {
      const project = await services.createProject("git/acme/renew");
      await services.createPipeline(project.id, BUILD_THEN_TEST);
      const build = await claimNow(alive);
      assert.ok(build);
      for (let i = 0; i < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        await alive.heartbeat({ state: "active", freeSlots: 3, runningJobIds: [build.jobId] });
        assert.equal(await sweepLapsedLeases(services.db), 0);
      }
      const [row] = await services.db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, build.jobId));
      assert.equal(row?.status, "running");
      await cancelWorkflow(services.db, build.workflowId);
      await alive.finish(build, { status: "canceled", logChunkCount: 0 });
    } finally {
      alive.close();
    }
  });

  test("registration beyond the license's maxBuilders is refused with a clear message", async () => {
    // b1, dying and alive are registered: a license for 3 is full.
    await assert.rejects(
      BuilderProtocolClient.register(await services.joinToken(), { ...BUILDER, name: "fourth" }),
      (error: ProtocolError) => {
        assert.equal(error.status, 403);
        assert.equal(
          (error.body as { message: string }).message,
          "Builder registration refused: the license allows 3 builders and 3 are registered. Deregister a builder or upgrade the license.",
        );
        return true;
      },
    );
    await services.db.delete(settings).where(eq(settings.key, "license"));
    await assert.rejects(BuilderProtocolClient.register(await services.joinToken(), BUILDER), (error: ProtocolError) => {
      assert.equal(error.status, 403);
      assert.match((error.body as { message: string }).message, /no license is installed/);
      return true;
    });
    await services.installLicense({ maxBuilders: 3 });
  });

  test("malformed JSON, invalid fields, oversized bodies, bad tokens and unknown routes get clean 4xx answers", async () => {
    const bearer = { authorization: `Bearer ${await builder.bearer()}` };
    const cases: Array<[string, string, unknown, Record<string, string>, number, RegExp]> = [
      ["POST", "/api/builder/v1/claim", "{not json", bearer, 400, /not valid JSON/],
      ["POST", "/api/builder/v1/heartbeat", { state: "sleeping", freeSlots: 1, runningJobIds: [] }, bearer, 400, /state/],
      ["POST", "/api/builder/v1/heartbeat", JSON.stringify({ pad: "x".repeat(70_000) }), bearer, 413, /too large/],
      ["POST", "/api/builder/v1/claim", { freeSlots: 1 }, { authorization: "Bearer not.a.token" }, 401, /Invalid token/],
      ["POST", "/api/builder/v1/claim", { freeSlots: 1 }, {}, 401, /Missing bearer token/],
      ["POST", "/api/builder/v1/register", { joinToken: "nope" }, {}, 400, /Invalid request/],
      ["POST", "/api/builder/v1/nothing-here", {}, {}, 404, /Not found/],
      ["GET", "/api/builder/v1/claim", undefined, {}, 405, /Method not allowed/],
      ["GET", "/api/v2/project/git/acme/app/job/1/output", undefined, {}, 401, /You must log in first/],
      [
        "GET",
        "/api/v2/project/git/acme/app/job/999/output",
        undefined,
        { "Circle-Token": services.apiToken },
        404,
        /Job not found/,
      ],
      [
        "GET",
        "/api/v2/project/git/acme/nope/job/1/output",
        undefined,
        { "Circle-Token": services.apiToken },
        404,
        /Project not found/,
      ],
    ];
    for (const [method, path, body, headers, status, message] of cases) {
      const answer = await builder.raw(method, path, body, headers);
      assert.equal(answer.status, status, `${method} ${path}: ${JSON.stringify(answer.body)}`);
      assert.match((answer.body as { message: string }).message, message, `${method} ${path}`);
    }
    // Access tokens: signature, algorithm, issuer, audience and expiry are all checked.
    const [stored] = await services.db.select().from(settings).where(eq(settings.key, "builderTokenKey"));
    assert.ok(stored);
    const key = Buffer.from(services.ctx.keyring.decrypt((stored.value as { keyEncrypted: string }).keyEncrypted), "base64");
    const forge = (alg: string, issuer: string, audience: string, expires: number) =>
      new SignJWT({})
        .setProtectedHeader({ alg })
        .setSubject(builder.builderId)
        .setIssuer(issuer)
        .setAudience(audience)
        .setExpirationTime(expires)
        .sign(key);
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify({ sub: builder.builderId, iss: "citadel-services", aud: "citadel-builder", exp: now + 60 })).toString("base64url")}.`;
    const forged: Array<[string, RegExp]> = [
      [await forge("HS256", "citadel-services", "citadel-builder", now - 5), /expired/],
      [await forge("HS512", "citadel-services", "citadel-builder", now + 60), /Invalid token/],
      [await forge("HS256", "someone-else", "citadel-builder", now + 60), /Invalid token/],
      [await forge("HS256", "citadel-services", "citadel-job", now + 60), /Invalid token/],
      [unsigned, /Invalid token|Missing bearer/],
    ];
    for (const [token, message] of forged) {
      const answer = await builder.raw(
        "POST",
        "/api/builder/v1/heartbeat",
        { state: "active", freeSlots: 1, runningJobIds: [] },
        {
          authorization: `Bearer ${token}`,
        },
      );
      assert.equal(answer.status, 401);
      assert.match((answer.body as { message: string }).message, message);
    }
    assert.equal(
      (await forge("HS256", "citadel-services", "citadel-builder", now + 60)).split(".").length,
      3,
      "the forging itself works",
    );
    const genuine = await builder.raw(
      "POST",
      "/api/builder/v1/heartbeat",
      { state: "active", freeSlots: 1, runningJobIds: [] },
      { authorization: `Bearer ${await forge("HS256", "citadel-services", "citadel-builder", now + 60)}` },
    );
    assert.equal(genuine.status, 200, "the same key, algorithm, issuer and audience are accepted");

    // A job token is only for its own job, and an access token is not a job token.
    const project = await services.createProject("git/acme/tokens");
    await services.createPipeline(project.id, BUILD_THEN_TEST);
    const build = await claimNow();
    assert.ok(build);
    const other = "00000000-0000-4000-8000-000000000000";
    const wrongJob = await builder.raw(
      "POST",
      `/api/builder/v1/jobs/${other}/logs`,
      { chunks: [{ seq: 0, step: null, data: "x" }] },
      {
        authorization: `Bearer ${build.jobToken}`,
      },
    );
    assert.equal(wrongJob.status, 401);
    const accessAsJob = await builder.raw(
      "POST",
      `/api/builder/v1/jobs/${build.jobId}/finish`,
      { status: "success", logChunkCount: 0 },
      bearer,
    );
    assert.equal(accessAsJob.status, 401);
    await cancelWorkflow(services.db, build.workflowId);
    await builder.finish(build, { status: "canceled", logChunkCount: 0 });
  });
});

function getOutput(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, services.url),
      { rejectUnauthorized: false, headers: { "Circle-Token": services.apiToken } },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Reads a followed log (Server-Sent Events) until its `end` event: the concatenated data and the end payload. */
function followOutput(path: string): Promise<{ text: string; end: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, services.url),
      { rejectUnauthorized: false, headers: { "Circle-Token": services.apiToken } },
      (res) => {
        assert.equal(res.headers["content-type"], "text/event-stream; charset=utf-8");
        let buffer = "";
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffer += chunk;
          let boundary = buffer.indexOf("\n\n");
          while (boundary >= 0) {
            const event = buffer.slice(0, boundary).split("\n");
            buffer = buffer.slice(boundary + 2);
            boundary = buffer.indexOf("\n\n");
            const data = event
              .filter((line) => line.startsWith("data: "))
              .map((line) => line.slice(6))
              .join("\n");
            if (event.includes("event: end")) {
              req.destroy();
              resolve({ text, end: data });
              return;
            }
            if (event.some((line) => line.startsWith("id: "))) text += data;
          }
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}
