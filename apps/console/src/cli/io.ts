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

/** A file-system error as a few words for a one-line message. */
export function errnoText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "is a directory";
  return code ?? (error instanceof Error ? error.message : String(error));
}

/** Everything on standard input, as UTF-8 (secrets are given this way, never as arguments). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
