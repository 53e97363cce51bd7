// Importing this module opens nothing: connections start only in openDatabase().
export { checkDatabase, type Database, type Db, type DbOrTx, type OpenDatabaseOptions, openDatabase, type Tx } from "./connect";
export { embeddedPaths, findRunningPostmaster } from "./embedded";
export { DatabaseError, MigrationError } from "./errors";
export { latestMigrationTag, loadMigrations, MIGRATIONS_DIR, migrate } from "./migrate";
export {
  API_TOKEN_PREFIX,
  type ApiUser,
  ensureUser,
  hashApiToken,
  issueApiToken,
  userForApiToken,
} from "./repositories/api-tokens";
export {
  deregisterBuilder,
  type FleetBuilder,
  type FleetState,
  listFleet,
  OFFLINE_AFTER_SECONDS,
  removeSilentBuilder,
  requestDrain,
} from "./repositories/builders";
export {
  type ActiveCertificate,
  activateCertificate,
  activeCertificate,
  type CertificateBundle,
  type Sealer,
  TLS_CHANGED_CHANNEL,
} from "./repositories/certificates";
export {
  assertKeyringPresent,
  countEncryptedValues,
  KeyringMissingError,
  reencryptAll,
} from "./repositories/encrypted-data";
export {
  contextEnvironment,
  deleteProjectEnvVar,
  ENV_VAR_NAME,
  ensureContext,
  listProjectEnvVars,
  type MaskedEnvVar,
  maskedValue,
  projectEnvironment,
  secretHint,
  setContextEnvVar,
  setProjectEnvVar,
  UnknownContextError,
} from "./repositories/secrets";
