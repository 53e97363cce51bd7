// Benchmark: claims + finishes per second through the builder protocol (8 concurrent clients over real
// HTTPS, 2,000 queued jobs) against the same loop as bare SQL on the same database. Prints a JSON
// report; asserts nothing.
// Run: node --import tsx bench/queue-claim.ts

import { startServicesHarness } from "../apps/services/test/support/services-harness";
import { BuilderProtocolClient } from "../test/support/builder-protocol-client";

const CLIENTS = 8;
const PIPELINES = Number(process.env.QUEUE_BENCH_PIPELINES ?? 20);
const JOBS_PER_PIPELINE = 100;
const TOTAL = PIPELINES * JOBS_PER_PIPELINE;

function config(): string {
  const names = Array.from({ length: JOBS_PER_PIPELINE }, (_, i) => `job-${i}`);
  const jobs = names.map((name) => `  ${name}:\n    docker: [{ image: cimg/base:stable }]\n    steps: [{ run: echo ${name} }]`);
  return `version: 2.1\njobs:\n${jobs.join("\n")}\nworkflows:\n  all:\n    jobs: [${names.join(", ")}]\n`;
}

const services = await startServicesHarness();
try {
  await services.installLicense({ maxBuilders: CLIENTS });
  const source = config();
  const queue = async (slug: string) => {
    const project = await services.createProject(slug);
    for (let i = 0; i < PIPELINES; i++) await services.createPipeline(project.id, source);
  };

  await queue("git/bench/protocol");
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, async (_, i) =>
      BuilderProtocolClient.register(await services.joinToken(), {
        name: `bench-${i}`,
        host: `bench-${i}.test`,
        runtime: "docker",
        version: "bench",
        slots: 1,
      }),
    ),
  );
  await Promise.all(clients.map((client) => client.bearer()));
  const protocolStart = performance.now();
  let protocolDone = 0;
  await Promise.all(
    clients.map(async (client) => {
      for (;;) {
        const job = await client.claim({ freeSlots: 1, waitSeconds: 0 });
        if (!job) return;
        await client.finish(job, { status: "success", logChunkCount: 0 });
        protocolDone++;
      }
    }),
  );
  const protocolSeconds = (performance.now() - protocolStart) / 1000;
  for (const client of clients) client.close();

  // Baseline: the same claim statement and a bare status update, straight over the pool.
  await queue("git/bench/bare-sql");
  const sql = services.ctx.database.sql;
  const [builder] = await sql<{ id: string }[]>`select id from builders limit 1`;
  if (!builder) throw new Error("no builder registered");
  const bareStart = performance.now();
  let bareDone = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (;;) {
        const [job] = await sql<{ id: string }[]>`
          with next as (
            select id from jobs where status = 'queued' order by queued_at, id limit 1 for update skip locked
          )
          update jobs set status = 'running', builder_id = ${builder.id}, started_at = now(),
            lease_expires_at = now() + interval '60 seconds'
          from next where jobs.id = next.id returning jobs.id`;
        if (!job) return;
        await sql`update jobs set status = 'success', stopped_at = now(), lease_expires_at = null where id = ${job.id}`;
        bareDone++;
      }
    }),
  );
  const bareSeconds = (performance.now() - bareStart) / 1000;

  const protocolRate = protocolDone / protocolSeconds;
  const bareRate = bareDone / bareSeconds;
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: "queue-claim",
        clients: CLIENTS,
        jobs: TOTAL,
        protocol: { jobs: protocolDone, seconds: round(protocolSeconds), claimsAndFinishesPerSecond: round(protocolRate) },
        bareSql: { jobs: bareDone, seconds: round(bareSeconds), claimsAndFinishesPerSecond: round(bareRate) },
        ratioBareToProtocol: round(bareRate / protocolRate),
        note: "protocol = HTTPS + access/job tokens + job spec (secrets decrypted) + workflow settle per finish",
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await services.close();
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
