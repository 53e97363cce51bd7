import { parseArgs } from "node:util";
import { StateError } from "../domain/errors";
import { createJoinToken, MAX_JOIN_TOKEN_TTL_SECONDS } from "../domain/join-tokens";
import { parseConsoleEnv } from "../env";
import { openCliDatabase } from "./database";
import { CliError } from "./io";

const USAGE = "usage: citadel builder join-token [--ttl 1h]   (ttl: 30m, 1h, 2d ...; at most 7d)";
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `citadel builder join-token`: a single-use, expiring token a builder registers with. */
export async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command !== "join-token") throw new CliError(USAGE, 2);
  let values: { ttl?: string };
  try {
    ({ values } = parseArgs({ args: rest, options: { ttl: { type: "string" } } }));
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${USAGE}`, 2);
  }
  const ttlSeconds = parseTtl(values.ttl ?? "1h");
  const env = parseConsoleEnv();
  const cli = await openCliDatabase();
  let created: Awaited<ReturnType<typeof createJoinToken>>;
  try {
    created = await createJoinToken(cli.database.db, cli.keyring, { httpsPort: env.CITADEL_HTTPS_PORT, ttlSeconds });
  } catch (error) {
    if (error instanceof StateError) throw new CliError(error.message);
    throw error;
  } finally {
    await cli.close();
  }
  const { token, expiresAt } = created;
  process.stdout.write(`${token}\n`);
  process.stderr.write(
    `Single use; expires ${expiresAt.toISOString()}. Give it to the builder: citadel-builder --join-token TOKEN\n`,
  );
  return 0;
}

function parseTtl(text: string): number {
  const match = /^([1-9][0-9]{0,6})([smhd])$/.exec(text.trim());
  const seconds = match?.[1] && match[2] ? Number(match[1]) * (UNIT_SECONDS[match[2]] ?? 0) : 0;
  if (seconds <= 0) throw new CliError(`--ttl: expected a duration like 30m, 1h or 2d, got "${text}"\n${USAGE}`, 2);
  if (seconds > MAX_JOIN_TOKEN_TTL_SECONDS)
    throw new CliError("--ttl: at most 7d (join tokens are meant to be used right away)", 2);
  return seconds;
}
