import { resolve } from "node:path";
import { BackupError, createBackup, restoreBackup, verifyBackup } from "@citadel/backup";
import { backups } from "@citadel/db/schema";
import { eq } from "drizzle-orm";
import { ApplianceLockedError, acquireApplianceLock } from "../appliance-lock";
import { recordAudit } from "../domain/audit";
import { manifestSummary } from "../domain/backup-records";
import { sealingFrom, unsealingFrom } from "../domain/backup-sealing";
import { parseConsoleEnv } from "../env";
import { openCliDatabase } from "./database";
import { CliError, errnoText } from "./io";

const USAGE = `usage: citadel backup create --out FILE [--passphrase-file F | --recipient KEY.asc] [--no-objects]
       citadel backup verify FILE [--passphrase-file F | --key PRIVATE.asc]
       citadel backup restore FILE [--passphrase-file F | --key PRIVATE.asc]`;

interface Flags {
  positional: string[];
  out?: string;
  passphraseFile?: string;
  recipientFile?: string;
  keyFile?: string;
  noObjects: boolean;
}

export async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const flags = parseFlags(rest);
  try {
    if (command === "create") return await create(flags);
    if (command === "verify") return await verify(flags);
    if (command === "restore") return await restore(flags);
  } catch (error) {
    if (error instanceof BackupError || error instanceof ApplianceLockedError) throw new CliError(error.message, 1);
    if ((error as NodeJS.ErrnoException).code)
      throw new CliError(`${(error as NodeJS.ErrnoException).path ?? "file"}: ${errnoText(error)}`);
    if (error instanceof Error && /^(give |the passphrase file)/.test(error.message)) throw new CliError(error.message, 2);
    throw error;
  }
  throw new CliError(USAGE, 2);
}

function parseFlags(args: string[]): Flags {
  const flags: Flags = { positional: [], noObjects: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const value = () => {
      const next = args[++i];
      if (next === undefined) throw new CliError(`${arg} needs a value\n${USAGE}`, 2);
      return next;
    };
    if (arg === "--out") flags.out = value();
    else if (arg === "--passphrase-file") flags.passphraseFile = value();
    else if (arg === "--recipient") flags.recipientFile = value();
    else if (arg === "--key") flags.keyFile = value();
    else if (arg === "--no-objects") flags.noObjects = true;
    else if (arg.startsWith("-")) throw new CliError(`unknown option ${arg}\n${USAGE}`, 2);
    else flags.positional.push(arg);
  }
  if ((flags.passphraseFile ? 1 : 0) + (flags.recipientFile ? 1 : 0) + (flags.keyFile ? 1 : 0) !== 1) {
    throw new CliError(`give exactly one of --passphrase-file, --recipient (create) or --key (verify, restore)\n${USAGE}`, 2);
  }
  return flags;
}

async function create(flags: Flags): Promise<number> {
  if (!flags.out || flags.positional.length > 0 || flags.keyFile) throw new CliError(USAGE, 2);
  const out = resolve(flags.out);
  const sealing = await sealingFrom(flags);
  const cli = await openCliDatabase();
  try {
    const [row] = await cli.database.db
      .insert(backups)
      .values({ file: out, status: "running", trigger: "cli" })
      .returning({ id: backups.id });
    const id = row?.id as string;
    try {
      const created = await createBackup({
        sql: cli.database.sql,
        dataDir: parseConsoleEnv().CITADEL_DATA_DIR,
        out,
        sealing,
        includeObjects: !flags.noObjects,
        backupId: id,
      });
      await cli.database.db
        .update(backups)
        .set({
          status: "succeeded",
          sizeBytes: created.sizeBytes,
          manifest: manifestSummary(created.manifest),
          finishedAt: new Date(),
        })
        .where(eq(backups.id, id));
      await recordAudit(cli.database.db, {
        actor: "cli",
        action: "backup.create",
        target: out,
        details: { sizeBytes: created.sizeBytes },
      });
      const tables = created.manifest.entries.filter((e) => e.kind === "table").length;
      process.stdout.write(
        `backup written: ${out} (${created.sizeBytes} bytes, ${tables} tables, ${created.manifest.entries.length - tables} files)\n`,
      );
      return 0;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await cli.database.db
        .update(backups)
        .set({ status: "failed", error: message, finishedAt: new Date() })
        .where(eq(backups.id, id));
      await recordAudit(cli.database.db, { actor: "cli", action: "backup.failed", target: out, details: { error: message } });
      throw error;
    }
  } finally {
    await cli.close();
  }
}

async function verify(flags: Flags): Promise<number> {
  const [file] = flags.positional;
  if (!file || flags.positional.length > 1 || flags.out || flags.recipientFile) throw new CliError(USAGE, 2);
  const manifest = await verifyBackup({ file, unsealing: await unsealingFrom(flags) });
  const tables = manifest.entries.filter((e) => e.kind === "table");
  const rows = tables.reduce((sum, e) => sum + (e.rows ?? 0), 0);
  process.stdout.write(
    `OK: ${file} is intact — Citadel ${manifest.citadelVersion}, migration ${manifest.migration}, made ${manifest.createdAt}, ` +
      `${tables.length} tables (${rows} rows), ${manifest.entries.length - tables.length} files\n`,
  );
  return 0;
}

async function restore(flags: Flags): Promise<number> {
  const [file] = flags.positional;
  if (!file || flags.positional.length > 1 || flags.out || flags.recipientFile) throw new CliError(USAGE, 2);
  const unsealing = await unsealingFrom(flags);
  const dataDir = parseConsoleEnv().CITADEL_DATA_DIR;
  let release: () => Promise<void>;
  try {
    release = await acquireApplianceLock(dataDir);
  } catch (error) {
    if (error instanceof ApplianceLockedError) {
      throw new CliError("the appliance is running: stop the appliance first, or restore from the console (Backups page)");
    }
    throw error;
  }
  try {
    const cli = await openCliDatabase();
    try {
      const result = await restoreBackup({ sql: cli.database.sql, dataDir, file: resolve(file), unsealing });
      await recordAudit(cli.database.db, {
        actor: "cli",
        action: "backup.restore",
        target: resolve(file),
        details: {
          createdAt: result.manifest.createdAt,
          migration: result.manifest.migration,
          migrated: result.migrated,
          requeuedJobs: result.requeuedJobs,
        },
      });
      process.stdout.write(
        `restored ${file} (made ${result.manifest.createdAt}); ${result.requeuedJobs} running job(s) re-queued, ${result.failedJobs} failed` +
          `${result.migrated.length > 0 ? `; migrated: ${result.migrated.join(", ")}` : ""}\n`,
      );
      return 0;
    } finally {
      await cli.close();
    }
  } finally {
    await release();
  }
}
