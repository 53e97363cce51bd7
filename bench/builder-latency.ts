// Benchmark: latency from a webhook accepted to the job's first log line stored, through the real stack
// (git server over SSH, the installed appliance, its post-receive webhook, a builder daemon with one slot),
// with the job image already on the engine. T0 = pipelines.created_at (the webhook's pipeline row),
// T1 = created_at of the job's first log_chunks row; both from the database clock. Baseline: dockerode
// create + start + wait of the same image running `echo first-line` (network none) until its line is read.
// Median over LATENCY_BENCH_RUNS (default 5) runs each, after one unmeasured warm-up. Prints a JSON report;
// asserts nothing.
// Run: node --import tsx bench/builder-latency.ts

import Docker from "dockerode";
import { startCiStack } from "../test/support/ci-stack";

const RUNS = Number(process.env.LATENCY_BENCH_RUNS ?? 5);
const IMAGE = "citadel/job-debian:bookworm";
const CONFIG = `version: 2.1
jobs:
  first:
    docker: [{ image: ${IMAGE} }]
    steps:
      - run: echo first-line
workflows:
  main:
    jobs: [first]
`;

const cleanup: Array<() => Promise<unknown>> = [];
try {
  const stack = await startCiStack({ slug: "git/bench/latency", config: CONFIG }, cleanup);
  const builder = await stack.startBuilder();

  /** Pushes a commit; returns webhook-accepted → first log chunk stored, in ms, once the workflow ended. */
  async function push(run: number): Promise<number> {
    const sha = await stack.repo.commit({ "greeting.txt": `run ${run}` }, `bench run ${run}`);
    const first = await stack.waitFor(`the first log line of run ${run}`, async () => {
      const [row] = await stack.db.sql<{ ms: number; data: string }[]>`
        select extract(epoch from l.created_at - p.created_at)::float8 * 1000 as ms, l.data
        from pipelines p join workflows w on w.pipeline_id = p.id join jobs j on j.workflow_id = w.id
        join log_chunks l on l.job_id = j.id
        where p.vcs->>'revision' = ${sha} order by l.seq limit 1`;
      return row;
    });
    const ended = await stack.waitFor(`the workflow of run ${run} to end`, async () => {
      const [row] = await stack.db.sql<{ status: string }[]>`
        select w.status from workflows w join pipelines p on p.id = w.pipeline_id
        where p.vcs->>'revision' = ${sha} and w.status not in ('running', 'on_hold', 'failing')`;
      return row;
    });
    if (ended.status !== "success" || !first.data.includes("first-line")) {
      throw new Error(`run ${run}: workflow ${ended.status}, first chunk ${JSON.stringify(first.data)}`);
    }
    return first.ms;
  }

  await push(0);
  const pipelineMs: number[] = [];
  for (let run = 1; run <= RUNS; run++) pipelineMs.push(await push(run));

  // Baseline: the same image printing the same line, straight through the engine.
  const docker = new Docker();
  const bareRun = async (): Promise<number> => {
    const started = performance.now();
    const container = await docker.createContainer({
      Image: IMAGE,
      Cmd: ["echo", "first-line"],
      HostConfig: { NetworkMode: "none" },
    });
    try {
      await container.start();
      await container.wait();
      const output = await container.logs({ stdout: true, stderr: true });
      const ms = performance.now() - started;
      if (!output.toString().includes("first-line")) throw new Error("the bare container did not print first-line");
      return ms;
    } finally {
      await container.remove({ force: true });
    }
  };
  await bareRun();
  const bareMs: number[] = [];
  for (let run = 1; run <= RUNS; run++) bareMs.push(await bareRun());

  process.stderr.write(await builder.shutdown());
  const pipeline = median(pipelineMs);
  const bare = median(bareMs);
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: "builder-latency",
        runs: RUNS,
        webhookToFirstLogLine: { medianMs: round(pipeline), runsMs: pipelineMs.map(round) },
        bareDockerRun: { medianMs: round(bare), runsMs: bareMs.map(round) },
        medianOverheadMs: round(pipeline - bare),
        ratioToBareDockerRun: round(pipeline / bare),
        note: "webhook accepted = pipelines.created_at; includes the claim long-poll wake-up, job spec, container create/start, exec, the 250 ms log batch",
      },
      null,
      2,
    )}\n`,
  );
} finally {
  // Every step runs even when one fails; a failed one is reported and fails the run, without hiding an earlier error.
  for (const step of cleanup.reverse()) {
    await step().catch((error: unknown) => {
      process.stderr.write(`cleanup step failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
