/** A backup or restore failure; the message is the one line the admin reads. */
export class BackupError extends Error {
  override name = "BackupError";
}
