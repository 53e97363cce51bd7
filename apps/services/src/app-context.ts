import type { Database, DbOrTx } from "@citadel/db";
import type { Keyring } from "@citadel/keyring";
import type { TrustStore } from "@citadel/license";
import type { Logger } from "pino";
import type { ServicesEnv } from "./env";

/** What every route and domain function of the services box may use, built once at start. */
export interface ServicesContext {
  env: ServicesEnv;
  database: Database;
  db: DbOrTx;
  keyring: Keyring;
  trust: TrustStore;
  /** <data>/objects: artifacts, caches, workspaces. */
  objectsDir: string;
  logger: Logger;
}
