import { assertKeyringPresent as assertKeyringPresentFor, type DbOrTx } from "@citadel/db";
import { Keyring, keyringPath } from "@citadel/keyring";

/**
 * Refuses to start when the keyring is missing but the database holds data encrypted with it
 * (the check itself lives in @citadel/db so the services box makes the same one).
 */
export async function assertKeyringPresent(db: DbOrTx, dataDir: string): Promise<void> {
  await assertKeyringPresentFor(db, { exists: Keyring.exists(dataDir), file: keyringPath(dataDir) });
}
