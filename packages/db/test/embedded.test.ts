import assert from "node:assert/strict";
import { chmod, cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { pino } from "pino";
import { embeddedPaths, MIGRATIONS_DIR, MigrationError, migrate, openDatabase } from "../src/index";
import { settings } from "../src/schema/index";

const logger = pino({ level: "silent" });
const dirs: string[] = [];

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "citadel-db-"));
  await chmod(dir, 0o755); // the postgres system user must be able to enter it when we are root
  dirs.push(dir);
  return dir;
}

after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe("embedded PostgreSQL", () => {
  test("data survives a stop and start; two clusters run side by side", async () => {
    const [dirA, dirB] = [await dataDir(), await dataDir()];
    const a = await openDatabase({ logger, dataDir: dirA });
    const b = await openDatabase({ logger, dataDir: dirB });
    try {
      await migrate(a.sql, logger);
      await migrate(b.sql, logger);
      await a.db.insert(settings).values({ key: "hostname", value: { name: "ci.example.com" } });
      const [inB] = await b.sql`select count(*)::int as n from settings`;
      assert.equal(inB?.n, 0, "the second appliance has its own cluster");
      const [version] = await a.sql<{ server_version_num: string }[]>`show server_version_num`;
      assert.ok(Number(version?.server_version_num) >= 140000, "PostgreSQL 14 or newer");
    } finally {
      await a.close();
      await b.close();
    }
    const again = await openDatabase({ logger, dataDir: dirA });
    try {
      const rows = await again.sql<{ value: { name: string } }[]>`select value from settings where key = 'hostname'`;
      assert.deepEqual(rows[0]?.value, { name: "ci.example.com" });
    } finally {
      await again.close();
    }
  });

  test("a stale postmaster.pid whose pid now belongs to another process does not block the start", async () => {
    const dir = await dataDir();
    const first = await openDatabase({ logger, dataDir: dir });
    await first.close();
    const pidFile = join(embeddedPaths(dir).clusterDir, "postmaster.pid");
    // What a crash leaves: the file, naming a pid that is now some other program (us).
    await writeFile(pidFile, `${process.pid}\n${embeddedPaths(dir).clusterDir}\n1700000000\n5999\n\n127.0.0.1\n  0  0\nready\n`);
    const second = await openDatabase({ logger, dataDir: dir });
    try {
      const [row] = await second.sql`select 1 as one`;
      assert.equal(row?.one, 1);
    } finally {
      await second.close();
    }
  });

  test("attach connects to the server a running appliance owns, and fails clearly when none runs", async () => {
    const dir = await dataDir();
    await assert.rejects(openDatabase({ logger, dataDir: dir, embedded: "attach" }), /no Citadel database is running/);
    const owner = await openDatabase({ logger, dataDir: dir });
    try {
      const attached = await openDatabase({ logger, dataDir: dir, embedded: "attach" });
      const [row] = await attached.sql`select current_database() as db`;
      assert.equal(row?.db, "citadel");
      await attached.close();
    } finally {
      await owner.close();
    }
  });

  test("the password file is private", async () => {
    const dir = await dataDir();
    const db = await openDatabase({ logger, dataDir: dir });
    await db.close();
    const { stat } = await import("node:fs/promises");
    const mode = (await stat(embeddedPaths(dir).passwordFile)).mode & 0o777;
    assert.equal(mode, 0o600);
    assert.ok((await readFile(embeddedPaths(dir).passwordFile, "utf8")).length >= 24);
  });
});

describe("migrations", () => {
  test("a failing migration is named, and the migrations before it stay applied", async () => {
    const dir = await dataDir();
    const migrations = join(dir, "migrations");
    await cp(MIGRATIONS_DIR, migrations, { recursive: true });
    const journalFile = join(migrations, "meta", "_journal.json");
    const journal = JSON.parse(await readFile(journalFile, "utf8"));
    journal.entries.push({ idx: journal.entries.length, version: "7", when: Date.now(), tag: "9999_broken", breakpoints: true });
    await writeFile(journalFile, JSON.stringify(journal));
    await writeFile(
      join(migrations, "9999_broken.sql"),
      "CREATE TABLE ok_part (id int);\n--> statement-breakpoint\nALTER TABLE nope ADD COLUMN x int;",
    );

    const db = await openDatabase({ logger, dataDir: dir });
    try {
      await assert.rejects(migrate(db.sql, logger, migrations), (error: unknown) => {
        assert.ok(error instanceof MigrationError);
        assert.equal(error.migration, "9999_broken");
        assert.match(error.message, /Migration 9999_broken failed: relation "nope" does not exist/);
        return true;
      });
      const applied = await db.sql<{ tag: string }[]>`select tag from citadel_migrations order by tag`;
      assert.deepEqual(
        applied.map((r) => r.tag),
        journal.entries.slice(0, -1).map((e: { tag: string }) => e.tag),
      );
      const [partial] = await db.sql`select to_regclass('ok_part') as t`;
      assert.equal(partial?.t, null, "the failed migration was rolled back whole");
    } finally {
      await db.close();
    }
  });

  test("a database migrated by a newer Citadel is refused", async () => {
    const dir = await dataDir();
    const db = await openDatabase({ logger, dataDir: dir });
    try {
      await migrate(db.sql, logger);
      await db.sql`insert into citadel_migrations (tag, hash) values ('9999_from_the_future', 'x')`;
      await assert.rejects(migrate(db.sql, logger), /migrated by a newer Citadel \(unknown migration 9999_from_the_future\)/);
    } finally {
      await db.close();
    }
  });
});
