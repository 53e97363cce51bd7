import { join } from "node:path";
import { backups } from "@citadel/db/schema";
import { desc } from "drizzle-orm";
import { z } from "zod";
import { CronError, parseCron } from "../../domain/backup-cron";
import { backupService } from "../../domain/backup-service";
import { UPLOAD_NAME } from "../../domain/backup-transfer";
import { FieldError } from "../../domain/errors";
import { getSetting, putSetting } from "../../domain/settings";
import { actorOf, adminProcedure, router } from "../init";

const passphrase = z.string().min(12, "Use a passphrase of at least 12 characters.").max(1024);

export const backupsRouter = router({
  status: adminProcedure.query(async ({ ctx }) => {
    const service = backupService(ctx.app);
    const [rows, schedule] = await Promise.all([
      ctx.app.db.select().from(backups).orderBy(desc(backups.startedAt)).limit(50),
      getSetting(ctx.app.db, "backupSchedule"),
    ]);
    let nextRun: string | null = null;
    if (schedule?.enabled) nextRun = parseCron(schedule.cron).next(new Date()).toISOString();
    return {
      activity: service.current(),
      backups: rows.map((r) => ({
        id: r.id,
        file: r.file,
        status: r.status,
        trigger: r.trigger,
        sizeBytes: r.sizeBytes,
        error: r.error,
        startedAt: r.startedAt.toISOString(),
        finishedAt: r.finishedAt?.toISOString() ?? null,
      })),
      schedule: schedule
        ? {
            enabled: schedule.enabled,
            cron: schedule.cron,
            directory: schedule.directory,
            keep: schedule.keep,
            includeObjects: schedule.includeObjects,
            nextRun,
          }
        : { enabled: false, cron: "0 3 * * *", directory: service.backupsDir, keep: 7, includeObjects: true, nextRun: null },
    };
  }),

  create: adminProcedure.input(z.object({ passphrase, includeObjects: z.boolean() })).mutation(async ({ ctx, input }) => {
    const { id } = await backupService(ctx.app).create({
      sealing: { passphrase: input.passphrase },
      includeObjects: input.includeObjects,
      trigger: "console",
      by: actorOf(ctx),
    });
    return { id };
  }),

  restore: adminProcedure
    .input(
      z.object({ upload: z.string().regex(UPLOAD_NAME, "Upload the archive first."), passphrase: z.string().min(1).max(1024) }),
    )
    .mutation(async ({ ctx, input }) => {
      const service = backupService(ctx.app);
      await service.restore({
        file: join(service.uploadsDir, input.upload),
        unsealing: { passphrase: input.passphrase },
        by: actorOf(ctx),
      });
      return { started: true };
    }),

  saveSchedule: adminProcedure
    .input(
      z.object({
        enabled: z.boolean(),
        cron: z.string().max(200),
        directory: z.string().startsWith("/", "Give an absolute directory."),
        keep: z.number().int().min(1).max(1000),
        includeObjects: z.boolean(),
        passphrase: passphrase.optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      try {
        parseCron(input.cron);
      } catch (error) {
        if (error instanceof CronError) throw new FieldError("cron", error.message);
        throw error;
      }
      const previous = await getSetting(ctx.app.db, "backupSchedule");
      const passphraseEncrypted = input.passphrase ? ctx.app.keyring.encrypt(input.passphrase) : previous?.passphraseEncrypted;
      if (!passphraseEncrypted) throw new FieldError("passphrase", "Set the passphrase scheduled backups are encrypted with.");
      const { passphrase: _omitted, ...rest } = input;
      await putSetting(ctx.app.db, "backupSchedule", { ...rest, passphraseEncrypted });
      return { nextRun: input.enabled ? parseCron(input.cron).next(new Date()).toISOString() : null };
    }),
});
