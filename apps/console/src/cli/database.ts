import { type Database, DatabaseError, migrate, openDatabase } from "@citadel/db";
import { Keyring } from "@citadel/keyring";
import { pino } from "pino";
import { acquireApplianceLock } from "../appliance-lock";
import { parseConsoleEnv } from "../env";

export interface CliDatabase {
  database: Database;
  keyring: Keyring;
  close(): Promise<void>;
}

/**
 * The CLI uses the running appliance's database when there is one; otherwise it takes the
 * appliance lock and starts the embedded server itself for the duration of the command.
 */
export async function openCliDatabase(): Promise<CliDatabase> {
  const env = parseConsoleEnv();
  const logger = pino({ level: "warn" }, pino.destination(2));
  const base = { logger, dataDir: env.CITADEL_DATA_DIR, databaseUrl: env.CITADEL_DATABASE_URL, applicationName: "citadel-cli" };
  let database: Database;
  let release = async () => {};
  try {
    database = await openDatabase({ ...base, embedded: "attach" });
  } catch (error) {
    if (!(error instanceof DatabaseError)) throw error;
    release = await acquireApplianceLock(env.CITADEL_DATA_DIR);
    database = await openDatabase({ ...base, embedded: "start" });
    await migrate(database.sql, logger);
  }
  const keyring = await Keyring.loadOrCreate(env.CITADEL_DATA_DIR);
  return {
    database,
    keyring,
    close: async () => {
      await database.close();
      await release();
    },
  };
}
