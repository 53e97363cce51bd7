/** A failure the CLI reports as one line on stderr with its exit code (no stack trace). */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface CommandGroup {
  summary: string;
  /** Loaded lazily so `citadel license ...` never opens a database connection. */
  load(): Promise<{ run(args: string[]): Promise<number> }>;
}
