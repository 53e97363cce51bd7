import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { latestMigrationTag, MIGRATIONS_DIR, migrate } from "@citadel/db";
import { Keyring } from "@citadel/keyring";
import * as openpgp from "openpgp";
import { pino } from "pino";
import postgres from "postgres";
import { type TestDatabase, testDatabase } from "../../../test/support/database";
import { BackupError, createBackup, listTables, restoreBackup, verifyBackup } from "../src/index";
import { seedAppliance, tableChecksums } from "./seed";

const passphrase = "correct horse battery staple";
let source: TestDatabase;
let target: TestDatabase;
let work: string;
let archive: string;
let sourceTables: string[];

before(async () => {
  [source, target] = await Promise.all([testDatabase(), testDatabase()]);
  work = await mkdtemp(join(tmpdir(), "citadel-backup-test-"));
  await seedAppliance(source.database.sql, source.keyring);
  await mkdir(join(source.dataDir, "objects", "artifacts", "p1"), { recursive: true });
  await writeFile(join(source.dataDir, "objects", "artifacts", "p1", "report.txt"), "artifact body\n");
  await writeFile(join(source.dataDir, "keys", "postgres.password"), "source-cluster-password");
  sourceTables = (await listTables(source.database.sql)).map((t) => t.name);
  archive = join(work, "full.citadel-backup");
  await createBackup({ sql: source.database.sql, dataDir: source.dataDir, out: archive, sealing: { passphrase } });
});

after(async () => {
  await Promise.all([source?.close(), target?.close()]);
  await rm(work, { recursive: true, force: true });
});

async function targetState() {
  return {
    tables: await tableChecksums(target.database.sql, sourceTables),
    keyring: await readFile(join(target.dataDir, "keys", "keyring.json"), "utf8"),
  };
}

async function copyWith(name: string, change: (bytes: Buffer) => Buffer): Promise<string> {
  const file = join(work, name);
  await writeFile(file, change(await readFile(archive)));
  return file;
}

describe("backup archive", () => {
  test("verify reads the manifest: versions, every table with its row count, keys and objects", async () => {
    const manifest = await verifyBackup({ file: archive, unsealing: { passphrase } });
    assert.equal(manifest.formatVersion, 1);
    assert.equal(manifest.migration, await latestMigrationTag());
    const tables = manifest.entries.filter((e) => e.kind === "table");
    assert.deepEqual(tables.map((e) => e.name).sort(), [...sourceTables].sort());
    assert.equal(tables.find((e) => e.name === "log_chunks")?.rows, 200);
    const files = manifest.entries.filter((e) => e.kind === "file").map((e) => e.name);
    assert.ok(files.includes("keys/keyring.json"));
    assert.ok(files.includes("objects/artifacts/p1/report.txt"));
    assert.ok(!files.includes("keys/postgres.password"), "the cluster password stays on its host");
    assert.ok(sourceTables.indexOf("projects") < sourceTables.indexOf("jobs"), "parents before children");
  });

  test("restore onto a fresh database: every table equal row for row, secrets decrypt, running jobs re-queued", async () => {
    await writeFile(join(target.dataDir, "keys", "postgres.password"), "target-cluster-password");
    const before = await tableChecksums(source.database.sql, sourceTables);
    const result = await restoreBackup({
      sql: target.database.sql,
      dataDir: target.dataDir,
      file: archive,
      unsealing: { passphrase },
    });
    assert.equal(result.requeuedJobs, 1);
    const after = await tableChecksums(target.database.sql, sourceTables);
    for (const table of sourceTables) if (table !== "jobs") assert.equal(after[table], before[table], `table ${table}`);
    const [job] = await target.database.sql<
      { status: string; attempt: number; status_reason: string }[]
    >`select status, attempt, status_reason from jobs`;
    assert.equal(job?.status, "queued");
    assert.equal(job?.attempt, 2);
    assert.match(job?.status_reason ?? "", /infrastructure_fail/);
    const keyring = await Keyring.load(target.dataDir);
    const [secret] = await target.database.sql<{ value_encrypted: string }[]>`select value_encrypted from env_vars`;
    assert.equal(keyring.decrypt(secret?.value_encrypted ?? ""), "s3cret-value");
    assert.equal(await readFile(join(target.dataDir, "objects", "artifacts", "p1", "report.txt"), "utf8"), "artifact body\n");
    assert.equal(await readFile(join(target.dataDir, "keys", "postgres.password"), "utf8"), "target-cluster-password");
    assert.equal((await stat(join(target.dataDir, "keys", "keyring.json"))).mode & 0o777, 0o600);
  });

  test("an archive sealed to a public key opens with the private key only", async () => {
    const { privateKey, publicKey } = await openpgp.generateKey({ userIDs: [{ name: "admin" }], format: "armored" });
    const other = await openpgp.generateKey({ userIDs: [{ name: "someone" }], format: "armored" });
    const file = join(work, "to-key.citadel-backup");
    await createBackup({
      sql: source.database.sql,
      dataDir: source.dataDir,
      out: file,
      sealing: { recipientKey: publicKey },
      includeObjects: false,
    });
    const manifest = await verifyBackup({ file, unsealing: { privateKey } });
    assert.equal(manifest.includesObjects, false);
    assert.ok(!manifest.entries.some((e) => e.name.startsWith("objects/")));
    await assert.rejects(verifyBackup({ file, unsealing: { privateKey: other.privateKey } }), /wrong passphrase or key/);
  });

  for (const [name, file, pattern] of [
    ["one byte flipped", () => copyWith("flipped", (b) => flip(b, Math.floor(b.length / 2))), /damaged or was tampered with/],
    ["truncated", () => copyWith("truncated", (b) => b.subarray(0, Math.floor(b.length * 0.7))), /truncated|damaged/],
    ["wrong passphrase", async () => archive, /wrong passphrase or key/],
  ] as const) {
    test(`${name}: verify and restore refuse with one line, existing data untouched`, async () => {
      const path = await file();
      const unsealing = { passphrase: name === "wrong passphrase" ? "not it" : passphrase };
      const beforeState = await targetState();
      await assert.rejects(verifyBackup({ file: path, unsealing }), (error: Error) => {
        assert.ok(error instanceof BackupError);
        assert.match(error.message, pattern);
        assert.ok(!error.message.includes("\n"));
        return true;
      });
      await assert.rejects(restoreBackup({ sql: target.database.sql, dataDir: target.dataDir, file: path, unsealing }), pattern);
      assert.deepEqual(await targetState(), beforeState);
    });
  }

  test("a backup from a newer Citadel (unknown migration) is refused", async () => {
    const future = join(work, "future-migrations");
    await cp(MIGRATIONS_DIR, future, { recursive: true });
    const journalFile = join(future, "meta", "_journal.json");
    const journal = JSON.parse(await readFile(journalFile, "utf8")) as { entries: { idx: number; tag: string }[] };
    journal.entries.push({ ...(journal.entries.at(-1) as { idx: number; tag: string }), idx: 99, tag: "0099_future" });
    await writeFile(journalFile, JSON.stringify(journal));
    await writeFile(join(future, "0099_future.sql"), "select 1;");
    const file = join(work, "future.citadel-backup");
    await createBackup({
      sql: source.database.sql,
      dataDir: source.dataDir,
      out: file,
      sealing: { passphrase },
      includeObjects: false,
      migrationsDir: future,
    });
    const beforeState = await targetState();
    await assert.rejects(verifyBackup({ file, unsealing: { passphrase } }), /newer Citadel .*0099_future/);
    await assert.rejects(
      restoreBackup({ sql: target.database.sql, dataDir: target.dataDir, file, unsealing: { passphrase } }),
      /newer Citadel/,
    );
    assert.deepEqual(await targetState(), beforeState);
  });

  test("a disk that fills up during restore rolls everything back", async () => {
    const big = join(source.dataDir, "objects", "caches", "big.bin");
    await mkdir(join(source.dataDir, "objects", "caches"), { recursive: true });
    await writeFile(big, Buffer.alloc(4 * 1024 * 1024, 7));
    const file = join(work, "big.citadel-backup");
    await createBackup({ sql: source.database.sql, dataDir: source.dataDir, out: file, sealing: { passphrase } });
    await rm(join(source.dataDir, "objects", "caches"), { recursive: true });
    await target.database.sql`insert into settings (key, value) values ('only.in.target', '1'::jsonb)`;
    const small = await mkdtemp(join(tmpdir(), "citadel-tmpfs-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", small]);
    try {
      await mkdir(join(small, "keys"));
      await writeFile(join(small, "keys", "keyring.json"), "existing keyring");
      await mkdir(join(small, "objects"));
      await writeFile(join(small, "objects", "kept.txt"), "kept");
      const beforeState = await targetState();
      await assert.rejects(
        restoreBackup({ sql: target.database.sql, dataDir: small, file, unsealing: { passphrase } }),
        /no space left on the device/,
      );
      assert.deepEqual(await targetState(), beforeState);
      assert.equal(await readFile(join(small, "keys", "keyring.json"), "utf8"), "existing keyring");
      assert.equal(await readFile(join(small, "objects", "kept.txt"), "utf8"), "kept");
      const [row] = await target.database.sql`select 1 from settings where key = 'only.in.target'`;
      assert.ok(row, "the database is as it was before the restore");
    } finally {
      execFileSync("umount", [small]);
      await rm(small, { recursive: true, force: true });
    }
  });
});

describe("a backup from an older Citadel", () => {
  test("is restored at its own migration, then migrated forward, in the same transaction", async () => {
    const oldDir = join(work, "old-migrations");
    await cp(MIGRATIONS_DIR, oldDir, { recursive: true });
    const journalFile = join(oldDir, "meta", "_journal.json");
    const journal = JSON.parse(await readFile(journalFile, "utf8")) as { entries: { tag: string }[] };
    // An older Citadel: one that knew only the console's migrations.
    const newer = journal.entries.slice(2).map((e) => e.tag);
    journal.entries = journal.entries.slice(0, 2);
    await writeFile(journalFile, JSON.stringify(journal));
    await source.database.sql`create database older_citadel`;
    const o = source.database.sql.options;
    const older = postgres({
      host: o.host[0],
      port: o.port[0],
      user: o.user,
      pass: String(o.pass ?? ""),
      database: "older_citadel",
      onnotice: () => {},
    });
    try {
      await migrate(older, pino({ level: "silent" }), oldDir);
      await older`insert into settings (key, value) values ('hostname', '{"hostname": "old.example"}'::jsonb)`;
      const file = join(work, "older.citadel-backup");
      await createBackup({
        sql: older,
        dataDir: source.dataDir,
        out: file,
        sealing: { passphrase },
        includeObjects: false,
        migrationsDir: oldDir,
      });
      const result = await restoreBackup({ sql: target.database.sql, dataDir: target.dataDir, file, unsealing: { passphrase } });
      assert.deepEqual(result.migrated, newer);
      const [row] = await target.database.sql<
        { value: { hostname: string } }[]
      >`select value from settings where key = 'hostname'`;
      assert.equal(row?.value.hostname, "old.example");
      const [jobs] = await target.database.sql<{ n: number }[]>`select count(*)::int as n from jobs`;
      assert.equal(jobs?.n, 0, "the tables the newer migration adds exist, empty");
      assert.deepEqual(
        await migrate(target.database.sql, pino({ level: "silent" })),
        [],
        "the migration record matches this code",
      );
    } finally {
      await older.end();
    }
  });
});

function flip(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = (copy[at] ?? 0) ^ 0xff;
  return copy;
}
