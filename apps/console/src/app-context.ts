import type { ActiveCertificate, Database, DbOrTx } from "@citadel/db";
import type { Keyring } from "@citadel/keyring";
import type { TrustStore } from "@citadel/license";
import type { Logger } from "pino";
import type { ConsoleEnv } from "./env";
import type { ServicesSupervisor } from "./supervisor/services-supervisor";

/** Everything a request handler or the headless installer needs, built once at start. */
export interface AppContext {
  env: ConsoleEnv;
  database: Database;
  db: DbOrTx;
  keyring: Keyring;
  trust: TrustStore;
  supervisor: ServicesSupervisor;
  /** Swaps the console listener's certificate live (no restart, no dropped connection). */
  applyConsoleCertificate(certificate: ActiveCertificate): void;
  logger: Logger;
}
