/** Errors from packages/db carry the message an admin should read; no secrets in them. */
export class DatabaseError extends Error {
  override name = "DatabaseError";
}

export class MigrationError extends DatabaseError {
  override name = "MigrationError";
  constructor(
    readonly migration: string,
    reason: string,
  ) {
    super(`Migration ${migration} failed: ${reason}`);
  }
}
