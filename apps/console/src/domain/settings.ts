import type { DbOrTx } from "@citadel/db";
import { settings } from "@citadel/db/schema";
import { eq, sql } from "drizzle-orm";

/** Typed keys of the settings table; each value is a JSON document. */
export interface SettingValues {
  admin: { passwordHash: string; changedAt: string };
  bootstrap: { passwordHash: string; createdAt: string };
  hostname: { hostname: string };
  license: { token: string; uploadedAt: string };
  sourceControl:
    | { kind: "github"; clientId: string; clientSecretEncrypted: string }
    | { kind: "github-enterprise"; apiUrl: string; clientId: string; clientSecretEncrypted: string }
    | { kind: "git-ssh" };
  wizard: { completed: WizardStep[]; started: boolean };
  sessionKey: { keyEncrypted: string };
  /** Scheduled backups (domain/backup-schedule.ts): the passphrase is sealed with the keyring. */
  backupSchedule: {
    enabled: boolean;
    cron: string;
    directory: string;
    keep: number;
    passphraseEncrypted: string;
    includeObjects: boolean;
  };
}

export const WIZARD_STEPS = ["hostname", "tls", "license", "sourceControl", "preflight"] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

export async function getSetting<K extends keyof SettingValues>(db: DbOrTx, key: K): Promise<SettingValues[K] | null> {
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, key));
  return (row?.value as SettingValues[K] | undefined) ?? null;
}

export async function putSetting<K extends keyof SettingValues>(db: DbOrTx, key: K, value: SettingValues[K]): Promise<void> {
  await db
    .insert(settings)
    .values({ key, value })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: sql`now()` } });
}

export async function deleteSetting(db: DbOrTx, key: keyof SettingValues): Promise<void> {
  await db.delete(settings).where(eq(settings.key, key));
}
