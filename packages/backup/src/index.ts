export { type BackupProgress, type CreateBackupOptions, type CreatedBackup, createBackup } from "./create";
export type { Sealing, Unsealing } from "./crypto";
export { BackupError } from "./errors";
export { type ArchiveHeader, FORMAT_VERSION, type Manifest, type ManifestEntry } from "./format";
export { readArchive, verifyBackup } from "./read";
export { type RestoreBackupOptions, type RestoreProgress, type RestoreResult, restoreBackup } from "./restore";
export { listTables } from "./schema";
