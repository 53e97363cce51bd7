// Importing this module opens nothing: connections start only in openDatabase().
export { checkDatabase, type Database, type Db, type OpenDatabaseOptions, openDatabase } from "./connect";
export { embeddedPaths, findRunningPostmaster } from "./embedded";
export { DatabaseError, MigrationError } from "./errors";
export { latestMigrationTag, loadMigrations, MIGRATIONS_DIR, migrate } from "./migrate";
