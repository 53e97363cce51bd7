import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { AppContext } from "../app-context";
import { parseCron } from "./backup-cron";
import { backupService } from "./backup-service";
import { getSetting } from "./settings";

const TICK_MS = 20_000;
const ARCHIVE = /^citadel-.*\.citadel-backup$/;

/**
 * Runs scheduled backups: every tick, when a cron minute has come since the last tick, starts a
 * backup into the schedule's directory, then keeps only the newest N archives there. Failures
 * land in the backups table and the audit log (the dashboard shows the latest one).
 */
export function startBackupScheduler(app: AppContext, tickMs = TICK_MS): { stop(): void } {
  const logger = app.logger.child({ module: "backup-schedule" });
  let last = new Date();
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    const now = new Date();
    try {
      const schedule = await getSetting(app.db, "backupSchedule");
      if (!schedule?.enabled) return;
      const cron = parseCron(schedule.cron);
      if (cron.next(new Date(last.getTime() - 1)) > now) return;
      const { done } = await backupService(app).create({
        sealing: { passphrase: app.keyring.decrypt(schedule.passphraseEncrypted) },
        includeObjects: schedule.includeObjects,
        directory: schedule.directory,
        trigger: "schedule",
        by: { actor: "schedule", ip: null },
      });
      const result = await done;
      if (!result.error) await pruneArchives(schedule.directory, schedule.keep);
    } catch (error) {
      logger.error({ reason: error instanceof Error ? error.message : String(error) }, "scheduled backup did not run");
    } finally {
      last = now;
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), tickMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** Keeps the newest `keep` archives (names carry their UTC time, so name order is age order). */
export async function pruneArchives(directory: string, keep: number): Promise<string[]> {
  const archives = (await readdir(directory)).filter((name) => ARCHIVE.test(name)).sort();
  const doomed = archives.slice(0, Math.max(0, archives.length - keep));
  for (const name of doomed) await rm(join(directory, name), { force: true });
  return doomed;
}
