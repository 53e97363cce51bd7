import { reencryptAll } from "@citadel/db";
import { Keyring, keyringPath } from "@citadel/keyring";
import { recordAudit } from "../domain/audit";
import { parseConsoleEnv } from "../env";
import { openCliDatabase } from "./database";
import { CliError } from "./io";

const USAGE = "usage: citadel keys rotate";

/**
 * `citadel keys rotate`: adds a key version to the keyring file first (old versions stay, so
 * nothing becomes undecryptable whatever happens next), then re-encrypts every ciphertext with
 * it in one transaction.
 */
export async function run(args: string[]): Promise<number> {
  if (args.length !== 1 || args[0] !== "rotate") throw new CliError(USAGE, 2);
  const { CITADEL_DATA_DIR: dataDir } = parseConsoleEnv();
  // Opening the CLI database would create a fresh keyring; a missing one is a restore problem.
  if (!Keyring.exists(dataDir)) throw new CliError(`the master keyring ${keyringPath(dataDir)} is missing: nothing to rotate`);
  const cli = await openCliDatabase();
  try {
    const version = await cli.keyring.rotate();
    let counts: Record<string, number>;
    try {
      counts = await reencryptAll(cli.database.db, cli.keyring);
    } catch (error) {
      throw new CliError(
        `key version ${version} was added but nothing was re-encrypted (every value still decrypts with its old key): ${(error as Error).message}`,
      );
    }
    const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
    await recordAudit(cli.database.db, { actor: "cli", action: "keys.rotate", details: { version, reencrypted: total } });
    const lines = Object.entries(counts).map(([place, n]) => `  ${place.padEnd(44)} ${n}`);
    process.stdout.write(`Key version ${version} is current; re-encrypted ${total} values:\n${lines.join("\n")}\n`);
    process.stdout.write("Restart the appliance so its running processes load the new key version.\n");
    return 0;
  } finally {
    await cli.close();
  }
}
