import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { settings } from "@citadel/db/schema";
import { eq } from "drizzle-orm";
import { errors, jwtVerify, SignJWT } from "jose";
import type { ServicesContext } from "../app-context";
import { unauthorized } from "../http/errors";

const ALGORITHM = "HS256";
const ISSUER = "citadel-services";
const ACCESS_AUDIENCE = "citadel-builder";
const JOB_AUDIENCE = "citadel-job";
export const ACCESS_TOKEN_SECONDS = 600;
/** Upper bound only: a job token is also refused as soon as its job stops running. */
const JOB_TOKEN_SECONDS = 24 * 3600;
const SIGNING_KEY_SETTING = "builderTokenKey";

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** A builder's long-lived credential; only its SHA-256 is stored. */
export function newBuilderCredential(): string {
  return `cbc_${randomBytes(32).toString("base64url")}`;
}

const keys = new WeakMap<ServicesContext, Promise<Uint8Array>>();

/** The HS256 key, created once and kept keyring-encrypted in the settings table (shared by every services instance). */
function signingKey(ctx: ServicesContext): Promise<Uint8Array> {
  let key = keys.get(ctx);
  if (!key) {
    key = loadSigningKey(ctx);
    key.catch(() => keys.delete(ctx));
    keys.set(ctx, key);
  }
  return key;
}

async function loadSigningKey(ctx: ServicesContext): Promise<Uint8Array> {
  const fresh = { keyEncrypted: ctx.keyring.encrypt(randomBytes(32).toString("base64")) };
  await ctx.db.insert(settings).values({ key: SIGNING_KEY_SETTING, value: fresh }).onConflictDoNothing();
  const [row] = await ctx.db.select({ value: settings.value }).from(settings).where(eq(settings.key, SIGNING_KEY_SETTING));
  const stored = row?.value as { keyEncrypted?: string } | undefined;
  if (!stored?.keyEncrypted) throw new Error("builder token signing key is missing from the settings table");
  return new Uint8Array(Buffer.from(ctx.keyring.decrypt(stored.keyEncrypted), "base64"));
}

export async function issueAccessToken(ctx: ServicesContext, builderId: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: ALGORITHM })
    .setSubject(builderId)
    .setIssuer(ISSUER)
    .setAudience(ACCESS_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ACCESS_TOKEN_SECONDS}s`)
    .sign(await signingKey(ctx));
}

export async function issueJobToken(ctx: ServicesContext, jobId: string, builderId: string): Promise<string> {
  return new SignJWT({ bid: builderId })
    .setProtectedHeader({ alg: ALGORITHM })
    .setSubject(jobId)
    .setIssuer(ISSUER)
    .setAudience(JOB_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${JOB_TOKEN_SECONDS}s`)
    .sign(await signingKey(ctx));
}

/** Checks signature, algorithm, issuer, audience and expiry; returns the token's subject and claims. */
async function verify(ctx: ServicesContext, req: IncomingMessage, audience: string) {
  const header = req.headers.authorization ?? "";
  const match = /^Bearer ([A-Za-z0-9_.-]{10,4096})$/.exec(header);
  if (!match?.[1]) throw unauthorized("Missing bearer token.");
  try {
    const { payload } = await jwtVerify(match[1], await signingKey(ctx), {
      algorithms: [ALGORITHM],
      issuer: ISSUER,
      audience,
    });
    if (typeof payload.sub !== "string") throw unauthorized("Invalid token.");
    return payload;
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw unauthorized("Token expired; get a new one.");
    if (error instanceof errors.JOSEError) throw unauthorized("Invalid token.");
    throw error;
  }
}

/** The builder id of a valid access token. */
export async function verifyAccessToken(ctx: ServicesContext, req: IncomingMessage): Promise<string> {
  const payload = await verify(ctx, req, ACCESS_AUDIENCE);
  return payload.sub as string;
}

/** The builder id bound to a valid job token for this job (the caller still checks that the job runs). */
export async function verifyJobToken(ctx: ServicesContext, req: IncomingMessage, jobId: string): Promise<string> {
  const payload = await verify(ctx, req, JOB_AUDIENCE);
  if (payload.sub !== jobId || typeof payload.bid !== "string") throw unauthorized("This job token is for another job.");
  return payload.bid;
}
