import { rm } from "node:fs/promises";
import { type Database, migrate, openDatabase } from "@citadel/db";
import { Keyring } from "@citadel/keyring";
import { pino } from "pino";
import { tempDataDir } from "./appliance";

export interface TestDatabase {
  dataDir: string;
  database: Database;
  keyring: Keyring;
  close(): Promise<void>;
}

/** A migrated embedded database (real PostgreSQL) in a fresh data dir, with a keyring. */
export async function testDatabase(): Promise<TestDatabase> {
  const dataDir = await tempDataDir("citadel-db-test-");
  const logger = pino({ level: "silent" });
  const database = await openDatabase({ logger, dataDir });
  await migrate(database.sql, logger);
  const keyring = await Keyring.loadOrCreate(dataDir);
  return {
    dataDir,
    database,
    keyring,
    close: async () => {
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
