/**
 * Backup and restore of a database holding about BENCH_BACKUP_MB (default 1024) MB of job logs:
 * time and peak RSS of createBackup / verifyBackup / restoreBackup, beside pg_dump -Fc / pg_restore
 * of the same data when a pg_dump of the server's major version is installed. Prints JSON.
 *   node --import tsx bench/backup.ts          (BENCH_BACKUP_MB=50 for a quick run)
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createBackup, restoreBackup, verifyBackup } from "@citadel/backup";
import { seedAppliance } from "../packages/backup/test/seed";
import { testDatabase } from "../test/support/database";

const run = promisify(execFile);
const targetMb = Number(process.env.BENCH_BACKUP_MB ?? "1024");
/** 64 distinct md5 hex words per row: hex compresses about 2:1, like busy build output, not 50:1. */
const ROW_BYTES = 64 * 33;

/** Runs a step while sampling RSS; reports seconds and the peak RSS above the level at its start. */
async function measure<T>(step: () => Promise<T>): Promise<{ seconds: number; peakRssMb: number; result: T }> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const started = process.hrtime.bigint();
  try {
    const result = await step();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    peak = Math.max(peak, process.memoryUsage().rss);
    return { seconds: round(seconds), peakRssMb: round((peak - base) / 1024 ** 2), result };
  } finally {
    clearInterval(timer);
  }
}

const round = (n: number) => Math.round(n * 100) / 100;

async function pgDumpBaseline(url: string, serverMajor: number, work: string) {
  const { stdout } = await run("pg_dump", ["--version"]).catch(() => ({ stdout: "" }));
  const dumpMajor = Number(/(\d+)\.\d+/.exec(stdout)?.[1] ?? "0");
  if (dumpMajor < serverMajor) {
    return {
      unavailable: `pg_dump baseline unavailable: pg_dump ${dumpMajor || "(not installed)"} cannot dump a PostgreSQL ${serverMajor} server`,
    };
  }
  const file = join(work, "baseline.dump");
  const dump = await measure(() => run("pg_dump", ["-Fc", "-f", file, url]));
  const restore = await measure(() => run("pg_restore", ["--clean", "--single-transaction", "-d", url, file]));
  return { dumpSeconds: dump.seconds, restoreSeconds: restore.seconds, sizeBytes: (await stat(file)).size };
}

async function main() {
  const db = await testDatabase();
  const work = await mkdtemp(join(tmpdir(), "citadel-bench-backup-"));
  try {
    const sql = db.database.sql;
    const { jobId } = await seedAppliance(sql, db.keyring, 0);
    const rows = Math.ceil((targetMb * 1024 * 1024) / ROW_BYTES);
    const fill = await measure(async () => {
      await sql`
        insert into log_chunks (job_id, seq, data)
        select ${jobId}, g, (select string_agg(md5((g::bigint * 64 + i)::text), ' ') from generate_series(1, 64) i)
        from generate_series(1, ${rows}) g`;
    });
    const [size] = await sql<{ bytes: string; version: string }[]>`
      select (select sum(octet_length(data)) from log_chunks)::text as bytes, current_setting('server_version_num') as version`;
    const archive = join(work, "bench.citadel-backup");
    const sealing = { passphrase: "benchmark passphrase" };
    const backup = await measure(() => createBackup({ sql, dataDir: db.dataDir, out: archive, sealing }));
    const verify = await measure(() => verifyBackup({ file: archive, unsealing: sealing }));
    const restore = await measure(() => restoreBackup({ sql, dataDir: db.dataDir, file: archive, unsealing: sealing }));
    const opts = sql.options;
    const url = `postgres://${encodeURIComponent(opts.user)}:${encodeURIComponent(String(opts.pass ?? ""))}@${opts.host[0]}:${opts.port[0]}/${opts.database}`;
    const baseline = await pgDumpBaseline(url, Math.floor(Number(size?.version) / 10000), work);
    const report = {
      benchmark: "backup",
      logRows: rows,
      logDataMb: round(Number(size?.bytes) / 1024 ** 2),
      fillSeconds: fill.seconds,
      archiveMb: round(backup.result.sizeBytes / 1024 ** 2),
      backup: { seconds: backup.seconds, peakRssMb: backup.peakRssMb },
      verify: { seconds: verify.seconds, peakRssMb: verify.peakRssMb },
      restore: { seconds: restore.seconds, peakRssMb: restore.peakRssMb, note: "includes its full verify pass" },
      pgDump: baseline,
      ratios:
        "unavailable" in baseline
          ? baseline.unavailable
          : {
              backupVsPgDump: round(backup.seconds / baseline.dumpSeconds),
              restoreVsPgRestore: round(restore.seconds / baseline.restoreSeconds),
              sizeVsPgDump: round(backup.result.sizeBytes / baseline.sizeBytes),
            },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await db.close();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
