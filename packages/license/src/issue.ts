import { randomUUID } from "node:crypto";
import { CompactSign, importJWK } from "jose";
import { type Channel, claimsSchema, type ExpiryPolicy, LICENSE_TYPE, type LicenseClaims } from "./claims";
import { describeIssue, LicenseClaimsError, LicenseKeyError } from "./errors";
import { LICENSE_ALG, parsePrivateJwk } from "./keys";

export interface IssueInput {
  customer: string;
  /** Absent: perpetual. */
  expiresAt?: Date;
  /** Default `stable`. */
  channel?: Channel;
  /** Absent: unlimited. */
  maxBuilders?: number;
  /** Absent: unlimited. */
  maxUsers?: number;
  features?: string[];
  /** Default `block-builds`. */
  expiryPolicy?: ExpiryPolicy;
  /** Default: a random UUID. */
  id?: string;
}

export interface IssuedLicense {
  token: string;
  claims: LicenseClaims;
  kid: string;
}

/**
 * Signs a license with a vendor private key (an Ed25519 JWK with a `kid`). Throws LicenseKeyError for a bad
 * key and LicenseClaimsError for bad input; the token is compact JWS text (write it followed by a newline).
 */
export async function issueLicense(
  privateJwk: unknown,
  input: IssueInput,
  options: { now?: Date; keySource?: string } = {},
): Promise<IssuedLicense> {
  const jwk = parsePrivateJwk(privateJwk, options.keySource ?? "signing key");
  const now = options.now ?? new Date();
  const parsed = claimsSchema.safeParse({
    id: input.id ?? randomUUID(),
    customer: input.customer,
    issuedAt: now.toISOString(),
    expiresAt: input.expiresAt?.toISOString(),
    channel: input.channel ?? "stable",
    entitlements: {
      maxBuilders: input.maxBuilders,
      maxUsers: input.maxUsers,
      features: [...new Set(input.features ?? [])],
      expiryPolicy: input.expiryPolicy ?? "block-builds",
    },
  });
  if (!parsed.success) throw new LicenseClaimsError(describeIssue(parsed.error.issues[0], "license"));
  const claims = parsed.data;
  const key = await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d }, LICENSE_ALG);
  if (key instanceof Uint8Array) throw new LicenseKeyError(`key '${jwk.kid}' is not an asymmetric key`);
  const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: LICENSE_ALG, kid: jwk.kid, typ: LICENSE_TYPE })
    .sign(key);
  return { token, claims, kid: jwk.kid };
}
