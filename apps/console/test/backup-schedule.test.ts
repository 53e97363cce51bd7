import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { pino } from "pino";
import { testDatabase } from "../../../test/support/database";
import type { AppContext } from "../src/app-context";
import { CronError, parseCron } from "../src/domain/backup-cron";
import { latestBackup } from "../src/domain/backup-records";
import { pruneArchives } from "../src/domain/backup-schedule";
import { backupService } from "../src/domain/backup-service";

describe("backup schedule", () => {
  test("cron: next run for daily, stepped, listed and weekday expressions (UTC)", () => {
    const from = new Date("2026-11-22T04:30:15Z"); // a Sunday
    assert.equal(parseCron("0 3 * * *").next(from).toISOString(), "2026-11-23T03:00:00.000Z");
    assert.equal(parseCron("*/15 * * * *").next(from).toISOString(), "2026-11-22T04:45:00.000Z");
    assert.equal(parseCron("5,35 4 * * *").next(from).toISOString(), "2026-11-22T04:35:00.000Z");
    assert.equal(parseCron("0 2 * * 1-5").next(from).toISOString(), "2026-11-23T02:00:00.000Z");
    assert.equal(parseCron("0 0 1 1 *").next(from).toISOString(), "2027-01-01T00:00:00.000Z");
    assert.equal(parseCron("30 4 * * 7").next(new Date("2026-11-22T04:29:00Z")).toISOString(), "2026-11-22T04:30:00.000Z");
  });

  test("cron: malformed expressions are refused with a message naming the field", () => {
    assert.throws(() => parseCron("0 3 * *"), CronError);
    assert.throws(() => parseCron("61 * * * *"), /minute field "61" is out of range/);
    assert.throws(() => parseCron("* 5-2 * * *"), /hour field/);
    assert.throws(() => parseCron("* * * jan *"), /month field "jan" is not valid cron/);
    assert.throws(() => parseCron("0 0 31 2 *").next(new Date()), /never matches/);
  });

  test("retention keeps the newest N archives and leaves other files alone", async () => {
    const dir = await mkdtemp(join(tmpdir(), "citadel-retention-"));
    try {
      const names = ["2026-11-20T03-00-00Z", "2026-11-21T03-00-00Z", "2026-11-22T03-00-00Z"].map(
        (t) => `citadel-${t}.citadel-backup`,
      );
      for (const name of [...names, "notes.txt"]) await writeFile(join(dir, name), "x");
      assert.deepEqual(await pruneArchives(dir, 2), [names[0]]);
      assert.deepEqual((await readdir(dir)).sort(), [names[1], names[2], "notes.txt"].sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("a failing (scheduled) backup", () => {
  test("is recorded in the backups table and the audit log, and shows on the dashboard summary", async () => {
    const db = await testDatabase();
    try {
      const app = {
        env: { CITADEL_DATA_DIR: db.dataDir },
        database: db.database,
        db: db.database.db,
        keyring: db.keyring,
        logger: pino({ level: "silent" }),
      } as unknown as AppContext;
      const blocker = join(db.dataDir, "a-file");
      await writeFile(blocker, "not a directory");
      const { done } = await backupService(app).create({
        sealing: { passphrase: "scheduled passphrase" },
        includeObjects: false,
        directory: join(blocker, "backups"),
        trigger: "schedule",
        by: { actor: "schedule", ip: null },
      });
      const activity = await done;
      assert.match(activity.error ?? "", /ENOTDIR|not a directory/);
      const summary = await latestBackup(app.db);
      assert.equal(summary.latest?.status, "failed");
      assert.equal(summary.latest?.trigger, "schedule");
      assert.equal(summary.lastSucceededAt, null);
      const [audit] = await db.database.sql<{ actor: string }[]>`select actor from audit_log where action = 'backup.failed'`;
      assert.equal(audit?.actor, "schedule");

      const ok = await backupService(app).create({
        sealing: { passphrase: "scheduled passphrase" },
        includeObjects: false,
        trigger: "schedule",
        by: { actor: "schedule", ip: null },
      });
      assert.equal((await ok.done).error, null);
      assert.equal((await latestBackup(app.db)).latest?.status, "succeeded");
    } finally {
      await db.close();
    }
  });
});
