import { builders, joinTokens, settings } from "@citadel/db/schema";
import { verifyLicense } from "@citadel/license";
import {
  decodeJoinToken,
  JoinTokenFormatError,
  PROTOCOL_VERSION,
  type RegisterRequest,
  type RegisterResponse,
} from "@citadel/protocol";
import { and, eq, gt, isNull, ne, sql } from "drizzle-orm";
import type { ServicesContext } from "../app-context";
import { HttpError } from "../http/errors";
import { ACCESS_TOKEN_SECONDS, issueAccessToken, newBuilderCredential, sha256Hex } from "./builder-tokens";

/**
 * Registers a builder: consumes the single-use join token and checks the license's maxBuilders in
 * one transaction (a refusal leaves the join token unused, so it works once the limit is raised).
 */
export async function registerBuilder(ctx: ServicesContext, request: RegisterRequest): Promise<RegisterResponse> {
  let secret: string;
  try {
    secret = decodeJoinToken(request.joinToken).secret;
  } catch (error) {
    if (error instanceof JoinTokenFormatError) throw new HttpError(400, `Invalid join token: ${error.message}.`);
    throw error;
  }
  const credential = newBuilderCredential();
  const builderId = await ctx.db.transaction(async (tx) => {
    const [token] = await tx
      .update(joinTokens)
      .set({ usedAt: sql`now()` })
      .where(and(eq(joinTokens.tokenHash, sha256Hex(secret)), isNull(joinTokens.usedAt), gt(joinTokens.expiresAt, sql`now()`)))
      .returning({ id: joinTokens.id });
    if (!token) {
      throw new HttpError(
        401,
        "The join token is unknown, already used or expired: create a new one with `npx citadel builder join-token`.",
      );
    }
    // Serializes registrations so two builders cannot both take the last licensed place.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended('citadel.builder-registration', 0))`);
    const [{ count } = { count: 0 }] = await tx
      .select({ count: sql<number>`count(*)::int` })
      .from(builders)
      .where(ne(builders.state, "deregistered"));
    await checkLicenseAllows(ctx, tx, count);
    const [builder] = await tx
      .insert(builders)
      .values({
        name: request.name,
        host: request.host,
        runtime: request.runtime,
        version: request.version,
        state: "active",
        slotsTotal: request.slots,
        credentialHash: sha256Hex(credential),
      })
      .returning({ id: builders.id });
    if (!builder) throw new Error("builder insert returned no row");
    await tx.update(joinTokens).set({ usedBy: builder.id }).where(eq(joinTokens.id, token.id));
    return builder.id;
  });
  ctx.logger.info({ builderId, name: request.name, host: request.host }, "builder registered");
  return { protocolVersion: PROTOCOL_VERSION, builderId, credential };
}

async function checkLicenseAllows(ctx: ServicesContext, tx: ServicesContext["db"], registered: number): Promise<void> {
  const [row] = await tx.select({ value: settings.value }).from(settings).where(eq(settings.key, "license"));
  const token = (row?.value as { token?: unknown } | undefined)?.token;
  if (typeof token !== "string") {
    throw new HttpError(403, "Builder registration refused: no license is installed. Upload one in the admin console.");
  }
  const result = await verifyLicense(token, ctx.trust);
  if (result.status !== "valid") {
    throw new HttpError(403, `Builder registration refused: the installed license is not valid (${result.message}).`);
  }
  if (!result.license.canAddBuilder(registered)) {
    const max = result.license.claims.entitlements.maxBuilders;
    throw new HttpError(
      403,
      `Builder registration refused: the license allows ${max} builder${max === 1 ? "" : "s"} and ${registered} ${registered === 1 ? "is" : "are"} registered. Deregister a builder or upgrade the license.`,
    );
  }
}

/** Exchanges a builder's long-lived credential for a short-lived access token. */
export async function accessTokenFor(ctx: ServicesContext, credential: string) {
  const [builder] = await ctx.db
    .select({ id: builders.id, state: builders.state })
    .from(builders)
    .where(eq(builders.credentialHash, sha256Hex(credential)));
  if (!builder || builder.state === "deregistered") throw new HttpError(401, "Unknown or deregistered builder credential.");
  return { accessToken: await issueAccessToken(ctx, builder.id), expiresInSeconds: ACCESS_TOKEN_SECONDS };
}
