import type { DbOrTx } from "@citadel/db";
import { certificates, settings } from "@citadel/db/schema";
import { Keyring, keyringPath } from "@citadel/keyring";
import { count, inArray } from "drizzle-orm";

/** Settings whose values hold ciphertext made with the keyring. */
const ENCRYPTED_SETTINGS = ["sessionKey", "sourceControl"];

/**
 * A missing keyring while encrypted data exists means the data dir lost its keys (a bad
 * restore, a wiped disk): refuse to start rather than create a new keyring that can't
 * decrypt anything.
 */
export async function assertKeyringPresent(db: DbOrTx, dataDir: string): Promise<void> {
  if (Keyring.exists(dataDir)) return;
  const [certs] = await db.select({ n: count() }).from(certificates);
  const [secrets] = await db.select({ n: count() }).from(settings).where(inArray(settings.key, ENCRYPTED_SETTINGS));
  if ((certs?.n ?? 0) + (secrets?.n ?? 0) > 0) {
    throw new Error(
      `the master keyring ${keyringPath(dataDir)} is missing but the database holds data encrypted with it; restore the keys/ directory from backup`,
    );
  }
}
