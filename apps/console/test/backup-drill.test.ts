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
    await stop(second);
  });
});
