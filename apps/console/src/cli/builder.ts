import { createHash, randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { activeCertificate } from "@citadel/db";
import { joinTokens } from "@citadel/db/schema";
import { encodeJoinToken } from "@citadel/protocol";
import { getSetting } from "../domain/settings";
import { parseConsoleEnv } from "../env";
import { openCliDatabase } from "./database";
import { CliError } from "./io";

const USAGE = "usage: citadel builder join-token [--ttl 1h]   (ttl: 30m, 1h, 2d ...; at most 7d)";
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const MAX_TTL_SECONDS = 7 * 86_400;

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
  let token: string;
  let expiresAt: Date;
  try {
    const db = cli.database.db;
    const hostname = (await getSetting(db, "hostname"))?.hostname;
    if (!hostname) throw new CliError("no hostname is configured: finish the hostname step of the install wizard first");
    const certificate = await activeCertificate(db, cli.keyring);
    if (!certificate) throw new CliError("no TLS certificate is configured: finish the TLS step of the install wizard first");
    const secret = randomBytes(32).toString("base64url");
    expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    await db.insert(joinTokens).values({ tokenHash: sha256Hex(secret), expiresAt });
    token = encodeJoinToken({
      v: 1,
      url: `https://${hostname}:${env.CITADEL_HTTPS_PORT}`,
      fingerprint: certificate.fingerprintSha256,
      secret,
    });
  } finally {
    await cli.close();
  }
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
  if (seconds > MAX_TTL_SECONDS) throw new CliError("--ttl: at most 7d (join tokens are meant to be used right away)", 2);
  return seconds;
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
