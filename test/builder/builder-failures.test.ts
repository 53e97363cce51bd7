import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import Docker from "dockerode";
import { startCiStack } from "../support/ci-stack";

const cleanup: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

const SLUG = "git/acme/slow";
const CONFIG = `version: 2.1
jobs:
  slow:
    docker: [{ image: citadel/job-debian:bookworm }]
    steps:
      - checkout
      - run: echo "started $(cat greeting.txt 2>/dev/null || echo)"; sleep 6; echo "slow done"
workflows:
  main:
    jobs: [slow]
`;

interface JobRow {
  id: string;
  pipeline: number;
  status: string;
  attempt: number;
  status_reason: string | null;
  builder_id: string | null;
}

test("circle-shutdown lets a running job finish and takes no new one; a builder killed mid-job ends in infrastructure_fail and a green retry on another builder", async () => {
  // A short lease so a dead builder is noticed within a test's patience (30 s is the minimum).
  const stack = await startCiStack({ slug: SLUG, config: CONFIG, servicesEnv: { CITADEL_JOB_LEASE_SECONDS: "30" } }, cleanup);
  const jobsNow = () =>
    stack.db.sql<JobRow[]>`
      select j.id, p.number as pipeline, j.status, j.attempt, j.status_reason, j.builder_id
      from jobs j join workflows w on w.id = j.workflow_id join pipelines p on p.id = w.pipeline_id
      order by p.number, j.attempt`;
  const jobWhere = (what: string, match: (job: JobRow) => boolean) =>
    stack.waitFor(what, async () => (await jobsNow()).find(match));
  const logOf = async (jobId: string) =>
    (await stack.db.sql<{ data: string }[]>`select data from log_chunks where job_id = ${jobId} order by seq`)
      .map((c) => c.data)
      .join("");

  // Drain: the running job finishes, the next one is not taken, the daemon stops.
  const first = await stack.startBuilder();
  await stack.repo.commit({ "greeting.txt": "one" }, "one");
  const running = await jobWhere("the first job to run", (j) => j.pipeline === 1 && j.status === "running");
  const draining = first.shutdown();
  await stack.waitFor("the builder to drain", async () => (first.output().includes('"msg":"draining"') ? true : undefined));
  await stack.repo.commit({ "greeting.txt": "two" }, "two");
  const queued = await jobWhere("the second job to be queued", (j) => j.pipeline === 2 && j.status === "queued");
  const drained = await draining;
  assert.match(drained, /builder drained and stopped/);
  assert.equal(await first.exited, 0);
  const [finished] = (await jobsNow()).filter((j) => j.id === running.id);
  assert.equal(finished?.status, "success", `the running job finished: ${finished?.status_reason} ${await logOf(running.id)}`);
  assert.match(await logOf(running.id), /slow done/);
  assert.equal((await jobsNow()).find((j) => j.id === queued.id)?.status, "queued", "the draining builder took no new job");

  // Crash: a builder dies mid-job; the lease lapses; the retry runs green on another builder.
  const doomed = await stack.startBuilder();
  const claimed = await jobWhere("the second job to run", (j) => j.id === queued.id && j.status === "running");
  await stack.waitFor("the job's first output", async () => ((await logOf(claimed.id)).includes("started") ? true : undefined));
  doomed.child.kill("SIGKILL");
  await doomed.exited;
  const rescuer = await stack.startBuilder();
  const retry = await jobWhere("the retry to succeed", (j) => j.pipeline === 2 && j.attempt === 2 && j.status === "success");
  const lost = (await jobsNow()).find((j) => j.id === claimed.id);
  assert.equal(lost?.status, "infrastructure_fail");
  assert.match(String(lost?.status_reason), /lease/i);
  assert.notEqual(retry.builder_id, claimed.builder_id, "the retry ran on the other builder");
  assert.match(await logOf(retry.id), /started two[\s\S]*slow done/);
  const workflow = await stack.finishedWorkflow();
  assert.equal(workflow.status, "success");

  // The killed builder, restarted, removes what its crash left on the engine.
  const docker = new Docker();
  const ofProject = async () =>
    (await docker.listContainers({ all: true, filters: { label: ["citadel.job"] } })).filter(
      (c) => c.Labels["ci.project"] === SLUG,
    );
  assert.equal((await ofProject()).length, 1, "the killed builder's job container is still there");
  const restarted = await stack.startBuilder(doomed.dataDir);
  assert.match(restarted.output(), /removed leftovers of an earlier run/);
  assert.deepEqual(await ofProject(), []);

  // circle-shutdown retires a box (deregistered, credential gone); a SIGTERM (a service restart) keeps it.
  assert.match(await restarted.shutdown(), /builder drained and stopped/);
  assert.equal(await restarted.exited, 0);
  assert.equal(existsSync(join(restarted.dataDir, "credential.json")), false);
  rescuer.child.kill("SIGTERM");
  assert.equal(await rescuer.exited, 0);
  assert.equal(existsSync(join(rescuer.dataDir, "credential.json")), true);
});
