import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { promisify } from "node:util";
import { listTables } from "@citadel/backup";
import { openDatabase } from "@citadel/db";
import { Keyring } from "@citadel/keyring";
import { pino } from "pino";
import { seedAppliance, tableChecksums } from "../../../packages/backup/test/seed";
import {
  freePort,
  REPO_ROOT,
  type RunningAppliance,
  startAppliance,
  tempDataDir,
  waitForOutput,
} from "../../../test/support/appliance";
import { ConsoleClient } from "../../../test/support/console-client";
import { testLicense } from "../../../test/support/license";

const logger = pino({ level: "silent" });
const cleanup: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

/** Tables whose rows the restore itself changes (re-queued jobs, the backup's own row, new audit entries). */
const CHANGED_BY_RESTORE = new Set(["jobs", "backups", "audit_log"]);

async function citadel(dataDir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["apps/console/bin/citadel.mjs", ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, CITADEL_DATA_DIR: dataDir },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function stop(app: RunningAppliance): Promise<void> {
  process.kill(-(app.child.pid ?? 0), "SIGTERM");
  await app.exited;
}

function servedFingerprint(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "localhost", port, path: "/healthz", ca, agent: false }, (res) => {
      const cert = (res.socket as import("node:tls").TLSSocket).getPeerX509Certificate();
      res.resume();
      res.on("end", () => resolve(cert?.fingerprint256.replaceAll(":", "").toLowerCase() ?? ""));
    });
    req.on("error", reject);
    req.end();
  });
}

interface Activity {
  finishedAt: string | null;
  error: string | null;
  bytes: number;
  tablesDone: number;
  tablesTotal: number;
}

async function waitForActivity(client: ConsoleClient): Promise<Activity> {
  for (let i = 0; i < 240; i++) {
    const status = await client.query<{ activity: Activity | null }>("backups.status");
    const activity = status.data?.activity;
    if (activity?.finishedAt) return activity;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("the backup activity did not finish");
}

function raw(
  port: number,
  ca: string,
  cookie: string,
  method: string,
  path: string,
  body?: Buffer,
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Origin: `https://localhost:${port}` };
    if (cookie) headers.Cookie = cookie;
    const req = request({ host: "localhost", port, path, method, ca, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("restore drill", () => {
  test("create → wipe the data dir → restore onto a fresh install: tables equal, secrets decrypt, admin signs in, same certificate", async () => {
    const outside = await mkdtemp(join(tmpdir(), "citadel-drill-"));
    cleanup.push(() => rm(outside, { recursive: true, force: true }));
    const dataDir = await tempDataDir();
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const license = await testLicense(outside);
    const env = {
      CITADEL_LICENSE_PUBKEYS: license.jwksFile,
      CITADEL_HTTPS_PORT: String(await freePort()),
      CITADEL_HTTP_PORT: String(await freePort()),
    };
    const bootstrap = join(outside, "bootstrap.json");
    const adminPassword = "a long admin password";
    await writeFile(
      bootstrap,
      JSON.stringify({
        hostname: "localhost",
        adminPassword,
        tls: { mode: "self-signed" },
        licenseFile: license.licenseFile,
        sourceControl: { kind: "git-ssh" },
      }),
    );
    const passphraseFile = join(outside, "passphrase");
    await writeFile(passphraseFile, "drill passphrase, long enough\n");
    const archive = join(outside, "drill.citadel-backup");

    const port = await freePort();
    const first = startAppliance(dataDir, port, { ...env, CITADEL_BOOTSTRAP: bootstrap });
    cleanup.push(async () => first.child.exitCode === null && process.kill(-(first.child.pid ?? 0), "SIGKILL"));
    await waitForOutput(first, /"msg":"console ready"/);
    const db = await openDatabase({ logger, dataDir, embedded: "attach" });
    await seedAppliance(db.sql, await Keyring.load(dataDir));
    await mkdir(join(dataDir, "objects", "artifacts"), { recursive: true });
    await writeFile(join(dataDir, "objects", "artifacts", "a.txt"), "artifact");
    const tables = (await listTables(db.sql)).map((t) => t.name);
    const before = await tableChecksums(db.sql, tables);
    const [cert] = await db.sql<
      { certificate_pem: string; fingerprint_sha256: string }[]
    >`select certificate_pem, fingerprint_sha256 from certificates where active`;
    await db.close();
    assert.ok(cert);

    const created = await citadel(dataDir, ["backup", "create", "--out", archive, "--passphrase-file", passphraseFile]);
    assert.equal(created.code, 0, created.stderr);
    const refused = await citadel(dataDir, ["backup", "restore", archive, "--passphrase-file", passphraseFile]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /stop the appliance first, or restore from the console/);
    await stop(first);

    await rm(dataDir, { recursive: true, force: true });
    await mkdir(dataDir, { recursive: true, mode: 0o755 });
    const verified = await citadel(dataDir, ["backup", "verify", archive, "--passphrase-file", passphraseFile]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /^OK: .* is intact/);
    const restored = await citadel(dataDir, ["backup", "restore", archive, "--passphrase-file", passphraseFile]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /1 running job\(s\) re-queued/);

    const second = startAppliance(dataDir, port, env);
    cleanup.push(async () => second.child.exitCode === null && process.kill(-(second.child.pid ?? 0), "SIGKILL"));
    await waitForOutput(second, /"msg":"console ready"/);
    const again = await openDatabase({ logger, dataDir, embedded: "attach" });
    cleanup.push(() => again.close());
    const afterRestore = await tableChecksums(again.sql, tables);
    for (const table of tables)
      if (!CHANGED_BY_RESTORE.has(table)) assert.equal(afterRestore[table], before[table], `table ${table}`);
    const [secret] = await again.sql<
      { value_encrypted: string }[]
    >`select value_encrypted from env_vars where name = 'API_TOKEN'`;
    assert.equal((await Keyring.load(dataDir)).decrypt(secret?.value_encrypted ?? ""), "s3cret-value");
    const [restoreAudit] = await again.sql`select 1 from audit_log where action = 'backup.restore'`;
    assert.ok(restoreAudit, "the restore is in the audit log");

    assert.equal(await servedFingerprint(port, cert.certificate_pem), cert.fingerprint_sha256);
    const client = new ConsoleClient(port, [cert.certificate_pem]);
    const login = await client.mutate("auth.login", { password: adminPassword });
    assert.equal(login.status, 200, JSON.stringify(login.error));
    const cookie = (login.setCookie[0] ?? "").split(";")[0] ?? "";

    // From the console: back up with progress, download, upload, restore (wrong passphrase first: nothing changes).
    const started = await client.mutate<{ id: string }>("backups.create", {
      passphrase: "console passphrase 123",
      includeObjects: true,
    });
    assert.equal(started.status, 200, JSON.stringify(started.error));
    const finished = await waitForActivity(client);
    assert.equal(finished.error, null);
    assert.ok(finished.bytes > 0 && finished.tablesDone === finished.tablesTotal);
    const download = await raw(port, cert.certificate_pem, cookie, "GET", `/api/backups/download?id=${started.data?.id}`);
    assert.equal(download.status, 200);
    const anonymous = await raw(port, cert.certificate_pem, "", "GET", `/api/backups/download?id=${started.data?.id}`);
    assert.equal(anonymous.status, 401);
    const upload = await raw(port, cert.certificate_pem, cookie, "POST", "/api/backups/upload", download.body);
    assert.equal(upload.status, 200, upload.body.toString());
    const { upload: name } = JSON.parse(upload.body.toString()) as { upload: string };
    await client.mutate("backups.restore", { upload: name, passphrase: "not the passphrase" });
    assert.match((await waitForActivity(client)).error ?? "", /wrong passphrase or key/);
    await client.mutate("backups.restore", { upload: name, passphrase: "console passphrase 123" });
    const restoredByConsole = await waitForActivity(client);
    assert.equal(restoredByConsole.error, null);
    let services = "";
    for (let i = 0; i < 80 && services !== "running"; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 250));
      services = (await client.query<{ services: { state: string } }>("dashboard.summary")).data?.services.state ?? "";
    }
    assert.equal(services, "running", second.output().slice(-3000));
    // The audit log is the archive's (made before this backup.create) plus the restore itself.
    const audits = await again.sql<{ action: string }[]>`select action from audit_log where action like 'backup.%' order by id`;
    assert.deepEqual(
      audits.map((a) => a.action),
      ["backup.restore", "backup.restore"],
    );
    const [own] = await again.sql<{ status: string }[]>`select status from backups where id = ${started.data?.id ?? ""}`;
    assert.equal(own?.status, "succeeded", "the archive's own row, running in its snapshot, is marked succeeded");
    const chain = await citadel(dataDir, ["audit", "verify"]);
    assert.equal(chain.code, 0, chain.stderr);
    await stop(second);
  });
});
