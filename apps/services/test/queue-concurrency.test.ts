import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { jobs } from "@citadel/db/schema";
import type { JobSpec } from "@citadel/protocol";
import { eq, sql } from "drizzle-orm";
import { BuilderProtocolClient } from "../../../test/support/builder-protocol-client";
import { rerunWorkflow, WorkflowStateError } from "../src/domain/workflow-state";
import { statusesOfPipeline, workflowOfPipeline } from "./support/job-queries";
import { type ServicesHarness, startServicesHarness } from "./support/services-harness";

const CLAIMERS = 8;
const PIPELINES = 20;
const JOBS_PER_PIPELINE = 10;

function independentJobsConfig(count: number): string {
  const names = Array.from({ length: count }, (_, i) => `job-${i}`);
  const definitions = names.map(
    (name) => `  ${name}:\n    docker: [{ image: cimg/base:stable }]\n    steps: [{ run: echo ${name} }]`,
  );
  return `version: 2.1\njobs:\n${definitions.join("\n")}\nworkflows:\n  all:\n    jobs: [${names.join(", ")}]\n`;
}

let services: ServicesHarness;
const clients: BuilderProtocolClient[] = [];
before(async () => {
  services = await startServicesHarness();
  await services.installLicense({ maxBuilders: CLAIMERS });
  for (let i = 0; i < CLAIMERS; i++) {
    clients.push(
      await BuilderProtocolClient.register(await services.joinToken(), {
        name: `claimer-${i}`,
        host: `claimer-${i}.test`,
        runtime: "docker",
        version: "0.1.0",
        slots: 1,
      }),
    );
  }
});
after(async () => {
  for (const client of clients) client.close();
  await services?.close();
});

test("pipelines created concurrently in one project get distinct, gap-free job numbers", async () => {
  const project = await services.createProject("git/acme/busy");
  await Promise.all(
    Array.from({ length: PIPELINES }, () => services.createPipeline(project.id, independentJobsConfig(JOBS_PER_PIPELINE))),
  );
  const numbers = await services.db
    .select({ number: jobs.number })
    .from(jobs)
    .where(eq(jobs.projectId, project.id))
    .orderBy(jobs.number);
  assert.deepEqual(
    numbers.map((row) => row.number),
    Array.from({ length: PIPELINES * JOBS_PER_PIPELINE }, (_, i) => i + 1),
  );
});

test(`${CLAIMERS} concurrent claimers never get the same job (${PIPELINES * JOBS_PER_PIPELINE} queued)`, async () => {
  const claimed = new Map<string, number>();
  await Promise.all(
    clients.map(async (client, index) => {
      for (;;) {
        const job: JobSpec | null = await client.claim({ freeSlots: 1, waitSeconds: 0 });
        if (!job) return;
        assert.equal(claimed.has(job.jobId), false, `job ${job.jobId} claimed twice`);
        claimed.set(job.jobId, index);
        const finished = await client.finish(job, { status: "success", logChunkCount: 0 });
        assert.equal(finished.status, 200);
      }
    }),
  );
  assert.equal(claimed.size, PIPELINES * JOBS_PER_PIPELINE);
  assert.ok(new Set(claimed.values()).size > 1, "the work was spread over several claimers");
  const [left] = await services.db
    .select({ count: sql<number>`count(*)::int` })
    .from(jobs)
    .where(sql`${jobs.status} <> 'success'`);
  assert.equal(left?.count, 0);
});

test("rerun from failed runs the failed job and its dependents again and carries the successful ones over", async () => {
  const project = await services.createProject("git/acme/rerun");
  const config = `version: 2.1
jobs:
  lint: { docker: [{ image: cimg/base:stable }], steps: [{ run: echo lint }] }
  build: { docker: [{ image: cimg/base:stable }], steps: [{ run: echo build }] }
  test: { docker: [{ image: cimg/base:stable }], steps: [{ run: echo test }] }
workflows:
  main:
    jobs: [lint, build, { test: { requires: [build] } }]
`;
  const pipeline = await services.createPipeline(project.id, config);
  const [client] = clients;
  assert.ok(client);
  for (let i = 0; i < 2; i++) {
    const job = await client.claim({ freeSlots: 1, waitSeconds: 0 });
    assert.ok(job);
    await client.finish(job, { status: job.name === "build" ? "failed" : "success", logChunkCount: 0 });
  }
  const original = await workflowOfPipeline(services.db, pipeline.id);
  assert.equal(original.status, "failed");
  const { workflowId } = await rerunWorkflow(services.db, original.id, { fromFailed: true });
  const rerun = await services.db.select().from(jobs).where(eq(jobs.workflowId, workflowId));
  const byName = Object.fromEntries(rerun.map((job) => [job.name, job]));
  assert.equal(byName.lint?.status, "success");
  assert.equal(byName.lint?.number, null, "carried over, not run again");
  assert.equal(byName.build?.status, "queued");
  assert.equal(byName.test?.status, "blocked");
  assert.ok((byName.build?.number ?? 0) > 0);

  const build = await client.claim({ freeSlots: 1, waitSeconds: 0 });
  assert.equal(build?.workflowId, workflowId);
  await client.finish(build, { status: "success", logChunkCount: 0 });
  const testJob = await client.claim({ freeSlots: 1, waitSeconds: 0 });
  assert.equal(testJob?.name, "test");
  await client.finish(testJob, { status: "success", logChunkCount: 0 });
  assert.deepEqual(await statusesOfPipeline(services.db, pipeline.id), { lint: "success", build: "success", test: "success" });
  await assert.rejects(rerunWorkflow(services.db, workflowId, { fromFailed: true }), WorkflowStateError);
});

test("a long-polling claim is answered as soon as a job is queued", async () => {
  const [client] = clients;
  assert.ok(client);
  const project = await services.createProject("git/acme/longpoll");
  const started = Date.now();
  const waiting = client.claim({ freeSlots: 1, waitSeconds: 20 });
  await new Promise((resolve) => setTimeout(resolve, 300));
  await services.createPipeline(project.id, independentJobsConfig(1));
  const job = await waiting;
  assert.equal(job?.name, "job-0");
  assert.ok(Date.now() - started < 10_000, "answered long before the 20 s wait ended");
  await client.finish(job, { status: "success", logChunkCount: 0 });
});
