import { sql } from "drizzle-orm";
import type { DbOrTx } from "../connect";
import type { Sealer } from "./certificates";

/**
 * Every place that holds keyring ciphertext. A new encrypted column or setting must be added
 * here, or `citadel keys rotate` leaves it on an old key and the keyring guard misses it.
 */
const ENCRYPTED_COLUMNS = [
  { table: "projects", column: "deploy_private_key_encrypted" },
  { table: "projects", column: "webhook_secret_encrypted" },
  { table: "env_vars", column: "value_encrypted" },
  { table: "context_env_vars", column: "value_encrypted" },
  { table: "certificates", column: "private_key_encrypted" },
  { table: "project_ssh_keys", column: "private_key_encrypted" },
] as const;

/** Settings documents (settings.value jsonb) with a ciphertext field. */
const ENCRYPTED_SETTINGS = [
  { key: "sourceControl", field: "clientSecretEncrypted" },
  { key: "sessionKey", field: "keyEncrypted" },
  // The services box's HS256 key for builder access and job tokens (domain/builder-tokens.ts).
  { key: "builderTokenKey", field: "keyEncrypted" },
  { key: "backupSchedule", field: "passphraseEncrypted" },
] as const;

export class KeyringMissingError extends Error {
  override name = "KeyringMissingError";
  constructor(keyringFile: string) {
    super(
      `the master keyring ${keyringFile} is missing but the database holds data encrypted with it; restore the keys/ directory from backup`,
    );
  }
}

/** How many stored values are keyring ciphertext (rows with an encrypted column, encrypted settings). */
export async function countEncryptedValues(db: DbOrTx): Promise<number> {
  let total = 0;
  for (const { table, column } of ENCRYPTED_COLUMNS) {
    const [row] = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from ${sql.identifier(table)} where ${sql.identifier(column)} is not null`,
    );
    total += row?.n ?? 0;
  }
  for (const { key, field } of ENCRYPTED_SETTINGS) {
    const [row] = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from settings where key = ${key} and value ? ${field}`,
    );
    total += row?.n ?? 0;
  }
  return total;
}

/**
 * A missing keyring while encrypted data exists means the data dir lost its keys (a bad
 * restore, a wiped disk): processes refuse to start rather than create a new keyring that
 * can decrypt nothing. Shared by the console and the services box.
 */
export async function assertKeyringPresent(db: DbOrTx, keyring: { exists: boolean; file: string }): Promise<void> {
  if (keyring.exists) return;
  if ((await countEncryptedValues(db)) > 0) throw new KeyringMissingError(keyring.file);
}

/**
 * Decrypts every ciphertext with whichever key version made it and encrypts it again with the
 * sealer's current version, in one transaction: either everything moves to the new key or
 * nothing changes. Answers how many values were re-encrypted per place.
 */
export async function reencryptAll(db: DbOrTx, sealer: Sealer): Promise<Record<string, number>> {
  return db.transaction(async (tx) => {
    const counts: Record<string, number> = {};
    for (const { table, column } of ENCRYPTED_COLUMNS) {
      const rows = await tx.execute<{ id: string; value: string }>(
        sql`select id::text as id, ${sql.identifier(column)} as value from ${sql.identifier(table)}
            where ${sql.identifier(column)} is not null for update`,
      );
      for (const row of rows) {
        await tx.execute(
          sql`update ${sql.identifier(table)} set ${sql.identifier(column)} = ${sealer.encrypt(sealer.decrypt(row.value))}
              where id = ${row.id}::uuid`,
        );
      }
      counts[`${table}.${column}`] = rows.length;
    }
    for (const { key, field } of ENCRYPTED_SETTINGS) {
      const rows = await tx.execute<{ value: string }>(
        sql`select value ->> ${field} as value from settings where key = ${key} and value ? ${field} for update`,
      );
      for (const row of rows) {
        const resealed = JSON.stringify(sealer.encrypt(sealer.decrypt(row.value)));
        await tx.execute(
          sql`update settings set value = jsonb_set(value, array[${field}]::text[], ${resealed}::jsonb) where key = ${key}`,
        );
      }
      counts[`settings.${key}.${field}`] = rows.length;
    }
    return counts;
  });
}
