import { createHash, randomBytes } from "node:crypto";
import { activeCertificate, type DbOrTx, type Sealer } from "@citadel/db";
import { joinTokens } from "@citadel/db/schema";
import { encodeJoinToken } from "@citadel/protocol";
import { StateError } from "./errors";
import { getSetting } from "./settings";

/** Join tokens are meant to be used right away. */
export const MAX_JOIN_TOKEN_TTL_SECONDS = 7 * 86_400;

/**
 * A single-use, expiring token a builder registers with. It carries the services URL and the
 * certificate fingerprint the builder pins; only the secret's SHA-256 is stored.
 */
export async function createJoinToken(
  db: DbOrTx,
  keyring: Sealer,
  options: { httpsPort: number; ttlSeconds: number },
): Promise<{ token: string; expiresAt: Date; servicesUrl: string }> {
  const hostname = (await getSetting(db, "hostname"))?.hostname;
  if (!hostname) throw new StateError("no hostname is configured: finish the hostname step of the install wizard first");
  const certificate = await activeCertificate(db, keyring);
  if (!certificate) throw new StateError("no TLS certificate is configured: finish the TLS step of the install wizard first");
  const secret = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + options.ttlSeconds * 1000);
  await db.insert(joinTokens).values({ tokenHash: createHash("sha256").update(secret, "utf8").digest("hex"), expiresAt });
  const servicesUrl = `https://${hostname}:${options.httpsPort}`;
  const token = encodeJoinToken({ v: 1, url: servicesUrl, fingerprint: certificate.fingerprintSha256, secret });
  return { token, expiresAt, servicesUrl };
}
