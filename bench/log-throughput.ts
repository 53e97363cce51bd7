// Benchmark: log throughput of a job step printing LOG_BENCH_MB (default 100) MB of base64 lines in a real
// Docker job container, shipped through the builder's LogShipper (SecretMasker + batched HTTPS log chunks)
// to a real services box, until shipper.close() returned and every chunk is stored. Run twice: with no
// secrets and with 20 project secrets of 32 characters. Baseline: the same exec with its output discarded
// (no masking, no shipping). Prints a JSON report; asserts nothing.
// Run: node --import tsx bench/log-throughput.ts          (LOG_BENCH_MB=10 for a quick run)

import { randomBytes } from "node:crypto";
import { setProjectEnvVar } from "@citadel/db";
import type { JobSpec } from "@citadel/protocol";
import { pino } from "pino";
import { PinnedHttpsClient } from "../apps/builder/src/client/pinned-https";
import { ServicesApi } from "../apps/builder/src/client/services-api";
import { LogShipper } from "../apps/builder/src/daemon/log-shipper";
import type { JobSandbox } from "../apps/builder/src/runtime/types";
import { jobSpec, runtime } from "../apps/builder/test/support";
import { startServicesHarness } from "../apps/services/test/support/services-harness";

const TARGET_BYTES = Math.round(Number(process.env.LOG_BENCH_MB ?? 100) * 1_000_000);
const SECRETS = 20;
// 90 random bytes make one 120-character base64 line (121 bytes with its newline).
const LINES = Math.floor(TARGET_BYTES / 121);
const COMMAND = `head -c ${LINES * 90} /dev/urandom | base64 -w 120`;
const CONFIG = `version: 2.1
jobs:
  print:
    docker: [{ image: citadel/job-debian:bookworm }]
    steps: [{ run: ${COMMAND} }]
workflows:
  main:
    jobs: [print]
`;
const logger = pino({ level: "warn" }, pino.destination(2));
const builderId = `bench-logs-${randomBytes(4).toString("hex")}`;

const services = await startServicesHarness();
const http = new PinnedHttpsClient(services.url, services.fingerprint);
const sandboxes: JobSandbox[] = [];
try {
  await services.installLicense({ maxBuilders: 1 });
  let credential: string | null = null;
  const api = new ServicesApi(http, () => credential);
  const registration = { name: "bench", host: "bench.test", runtime: "docker", version: "bench", slots: 1 } as const;
  credential = (await api.register({ joinToken: await services.joinToken(), ...registration })).credential;

  /** A fresh job container (not timed). */
  async function prepare(): Promise<JobSandbox> {
    const sandbox = await runtime(builderId).prepare(jobSpec());
    sandboxes.push(sandbox);
    return sandbox;
  }

  /** Runs the printing step; `sink` gets its output. */
  async function runStep(sandbox: JobSandbox, sink: (chunk: string) => void) {
    let bytes = 0;
    const result = await sandbox.exec(COMMAND, {
      onOutput: (_stream, chunk) => {
        bytes += chunk.length; // base64 and newlines: one byte per character
        sink(chunk);
      },
    });
    return { bytes, exitCode: result.exitCode };
  }

  /** Claims a fresh job of `slug` (with `secrets` project secrets), runs the step through a LogShipper. */
  async function shipped(slug: string, secrets: number) {
    const project = await services.createProject(slug);
    for (let i = 0; i < secrets; i++) {
      const value = randomBytes(24).toString("base64url"); // 32 characters
      await setProjectEnvVar(services.db, services.ctx.keyring, { projectId: project.id, name: `SECRET_${i}`, value });
    }
    await services.createPipeline(project.id, CONFIG);
    const job: JobSpec | null = await api.claim(1, 5);
    if (!job) throw new Error("no job was claimed");
    const sandbox = await prepare();
    const started = performance.now();
    const shipper = new LogShipper(api, job, logger);
    const out = shipper.stream(0);
    const step = await runStep(sandbox, (chunk) => out.write(chunk)).catch(async (error: unknown) => {
      await shipper.close(); // stops its timer, which would keep the process alive
      throw error;
    });
    out.end();
    const chunks = await shipper.close();
    const seconds = (performance.now() - started) / 1000;
    await sandbox.destroy();
    const [stored] = await services.ctx.database.sql<{ chunks: number; chars: string | null }[]>`
      select count(*)::int as chunks, sum(length(data))::text as chars from log_chunks where job_id = ${job.jobId}`;
    const missing = await api.finish(job, {
      status: step.exitCode === 0 ? "success" : "failed",
      reason: null,
      logChunkCount: chunks,
    });
    const allStored = stored?.chunks === chunks && missing.length === 0;
    return {
      secretValues: job.secretValues.length,
      exitCode: step.exitCode,
      mb: round(step.bytes / 1e6),
      seconds: round(seconds),
      mbPerSecond: allStored ? round(step.bytes / 1e6 / seconds) : null,
      allStored,
      chunksShipped: chunks,
      chunksStored: stored?.chunks ?? 0,
      mbStored: round(Number(stored?.chars ?? 0) / 1e6),
      finishRefusedMissingSeqs: missing.length,
    };
  }

  const bare = await prepare();
  const baselineStart = performance.now();
  const discarded = await runStep(bare, () => {});
  const baselineSeconds = (performance.now() - baselineStart) / 1000;
  await bare.destroy();
  const baseline = {
    exitCode: discarded.exitCode,
    mb: round(discarded.bytes / 1e6),
    seconds: round(baselineSeconds),
    mbPerSecond: round(discarded.bytes / 1e6 / baselineSeconds),
  };
  const plain = await shipped("git/bench/logs-plain", 0);
  const masked = await shipped("git/bench/logs-masked", SECRETS);
  const report = {
    benchmark: "log-throughput",
    targetMb: TARGET_BYTES / 1e6,
    command: COMMAND,
    discardedOutput: baseline,
    shippedNoSecrets: plain,
    shippedWith20Secrets: masked,
    ratios: {
      discardedToNoSecrets: ratio(baseline.mbPerSecond, plain.mbPerSecond),
      discardedTo20Secrets: ratio(baseline.mbPerSecond, masked.mbPerSecond),
      noSecretsTo20Secrets: ratio(plain.mbPerSecond, masked.mbPerSecond),
    },
    note: "MB = 10^6 bytes; timed from step start (container already up) to shipper.close() returning",
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  try {
    for (const sandbox of sandboxes.reverse()) await sandbox.destroy();
  } finally {
    http.close();
    await services.close();
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function ratio(faster: number | null, slower: number | null): number | null {
  return faster === null || slower === null ? null : round(faster / slower);
}
