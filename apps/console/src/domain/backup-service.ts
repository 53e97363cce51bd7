import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { BackupError, createBackup, restoreBackup, type Sealing, type Unsealing } from "@citadel/backup";
import { backups } from "@citadel/db/schema";
import { Keyring } from "@citadel/keyring";
import { eq } from "drizzle-orm";
import type { AppContext } from "../app-context";
import { recordAudit } from "./audit";
import { manifestSummary } from "./backup-records";
import { StateError } from "./errors";

/** What the console is doing with backups right now, polled by the Backups page. */
export interface BackupActivity {
  id: string;
  kind: "create" | "restore";
  phase: string;
  bytes: number;
  tablesDone: number;
  tablesTotal: number;
  file: string;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

export interface Actor {
  actor: string;
  ip: string | null;
}

/** One backup or restore at a time per appliance; progress is kept in memory. */
export class BackupService {
  private activity: BackupActivity | null = null;

  constructor(private readonly app: AppContext) {}

  current(): BackupActivity | null {
    return this.activity ? { ...this.activity } : null;
  }

  get backupsDir(): string {
    return join(this.app.env.CITADEL_DATA_DIR, "backups");
  }

  get uploadsDir(): string {
    return join(this.backupsDir, "uploads");
  }

  /** Starts a backup; resolves with its backups-row id and a promise of its end (which never rejects). */
  async create(options: {
    sealing: Sealing;
    includeObjects: boolean;
    directory?: string;
    trigger: "console" | "schedule";
    by: Actor;
  }): Promise<{ id: string; done: Promise<BackupActivity> }> {
    this.refuseWhenBusy();
    const directory = resolve(options.directory ?? this.backupsDir);
    const file = join(
      directory,
      `citadel-${new Date()
        .toISOString()
        .replaceAll(":", "-")
        .replace(/\.\d+Z$/, "Z")}.citadel-backup`,
    );
    const [row] = await this.app.db
      .insert(backups)
      .values({ file, status: "running", trigger: options.trigger })
      .returning({ id: backups.id });
    const id = row?.id as string;
    const activity = this.begin(id, "create", file);
    const done = (async () => {
      try {
        // Inside the try: an unusable directory is a failed backup on record, like any other failure.
        await mkdir(directory, { recursive: true, mode: 0o700 });
        const created = await createBackup({
          sql: this.app.database.sql,
          dataDir: this.app.env.CITADEL_DATA_DIR,
          out: file,
          sealing: options.sealing,
          includeObjects: options.includeObjects,
          backupId: id,
          onProgress: (p) =>
            Object.assign(activity, {
              phase: p.phase,
              bytes: p.bytesWritten,
              tablesDone: p.tablesDone,
              tablesTotal: p.tablesTotal,
            }),
        });
        await this.app.db
          .update(backups)
          .set({
            status: "succeeded",
            sizeBytes: created.sizeBytes,
            manifest: manifestSummary(created.manifest),
            finishedAt: new Date(),
          })
          .where(eq(backups.id, id));
        await recordAudit(this.app.db, {
          ...options.by,
          action: "backup.create",
          target: file,
          details: { trigger: options.trigger, sizeBytes: created.sizeBytes },
        });
      } catch (error) {
        activity.error = messageOf(error);
        this.app.logger.error({ reason: activity.error, file }, "backup failed");
        await this.app.db
          .update(backups)
          .set({ status: "failed", error: activity.error, finishedAt: new Date() })
          .where(eq(backups.id, id));
        await recordAudit(this.app.db, {
          ...options.by,
          action: "backup.failed",
          target: file,
          details: { trigger: options.trigger, error: activity.error },
        });
      }
      return this.finish(activity);
    })();
    return { id, done };
  }

  /**
   * Restores an archive over this appliance: verify in full, stop the services box, restore
   * (one transaction + renamed dirs), reload the keyring, start the services box again.
   * A refused or failed restore changes nothing and restarts the services box all the same.
   */
  async restore(options: { file: string; unsealing: Unsealing; by: Actor }): Promise<{ done: Promise<BackupActivity> }> {
    this.refuseWhenBusy();
    const activity = this.begin(randomBytes(8).toString("hex"), "restore", options.file);
    const done = (async () => {
      const wasRunning = this.app.supervisor.current().state !== "stopped";
      try {
        activity.phase = "stopping services";
        await this.app.supervisor.stop();
        const result = await restoreBackup({
          sql: this.app.database.sql,
          dataDir: this.app.env.CITADEL_DATA_DIR,
          file: options.file,
          unsealing: options.unsealing,
          onProgress: (p) => Object.assign(activity, { phase: p.phase, bytes: p.bytes }),
        });
        this.app.keyring = await Keyring.load(this.app.env.CITADEL_DATA_DIR);
        await recordAudit(this.app.db, {
          ...options.by,
          action: "backup.restore",
          target: options.file,
          details: {
            createdAt: result.manifest.createdAt,
            migration: result.manifest.migration,
            migrated: result.migrated,
            requeuedJobs: result.requeuedJobs,
          },
        });
      } catch (error) {
        activity.error = messageOf(error);
        this.app.logger.error({ reason: activity.error }, "restore failed");
        await recordAudit(this.app.db, {
          ...options.by,
          action: "backup.restore_failed",
          target: options.file,
          details: { error: activity.error },
        });
      }
      if (wasRunning) {
        activity.phase = "starting services";
        await this.app.supervisor
          .start()
          .catch((error: unknown) =>
            this.app.logger.error({ reason: messageOf(error) }, "services box did not start after the restore"),
          );
      }
      return this.finish(activity);
    })();
    return { done };
  }

  private refuseWhenBusy(): void {
    if (this.activity && this.activity.finishedAt === null) {
      throw new StateError(
        `a ${this.activity.kind === "create" ? "backup" : "restore"} is already running; wait for it to finish`,
      );
    }
  }

  private begin(id: string, kind: BackupActivity["kind"], file: string): BackupActivity {
    this.activity = {
      id,
      kind,
      phase: "starting",
      bytes: 0,
      tablesDone: 0,
      tablesTotal: 0,
      file,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      error: null,
    };
    return this.activity;
  }

  private finish(activity: BackupActivity): BackupActivity {
    activity.finishedAt = new Date().toISOString();
    if (!activity.error) activity.phase = "done";
    return { ...activity };
  }
}

function messageOf(error: unknown): string {
  if (error instanceof BackupError) return error.message;
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}

const services = new WeakMap<AppContext, BackupService>();

export function backupService(app: AppContext): BackupService {
  let service = services.get(app);
  if (!service) {
    service = new BackupService(app);
    services.set(app, service);
  }
  return service;
}
