import { readFile } from "node:fs/promises";
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import { z } from "zod";
import vendorJwks from "../keys/vendor.jwks.json" with { type: "json" };
import { describeIssue, LicenseKeyError } from "./errors";

/** The only signature algorithm a license may use. */
export const LICENSE_ALG = "EdDSA";

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, "must be base64url");

const publicJwkSchema = z.object({
  kty: z.literal("OKP"),
  crv: z.literal("Ed25519"),
  x: base64url.length(43),
  kid: z.string().min(1).max(128),
  alg: z.literal(LICENSE_ALG).optional(),
  use: z.literal("sig").optional(),
});
const privateJwkSchema = publicJwkSchema.extend({ d: base64url.length(43) });
const jwksSchema = z.object({ keys: z.array(z.unknown()).max(100) });

export type PublicJwk = z.infer<typeof publicJwkSchema>;
export type PrivateJwk = z.infer<typeof privateJwkSchema>;
export interface Jwks {
  keys: PublicJwk[];
}

/** Where a trusted key came from, for messages (`vendor`, or the extra JWKS path). */
export interface TrustedKey {
  kid: string;
  source: string;
  key: CryptoKey;
}

/** The public keys licenses are verified against, by `kid`. Build one with `loadTrustStore`. */
export interface TrustStore {
  get(kid: string): TrustedKey | undefined;
  kids(): string[];
}

export interface TrustOptions {
  /** Path to an extra JWKS (development and tests; the CLI takes it from CITADEL_LICENSE_PUBKEYS). */
  extraJwksPath?: string;
  /** An extra JWKS given as a value. */
  extraJwks?: unknown;
  /** Trust the vendor keys shipped with this package (default true). */
  vendorKeys?: boolean;
}

async function importPublic(value: unknown, source: string): Promise<TrustedKey> {
  if (typeof value === "object" && value !== null && "d" in value) {
    throw new LicenseKeyError(`${source}: a key holds private key material ('d'); a trust store takes public keys only`);
  }
  const parsed = publicJwkSchema.safeParse(value);
  if (!parsed.success) {
    throw new LicenseKeyError(`${source}: not an Ed25519 public JWK (${describeIssue(parsed.error.issues[0], "key")})`);
  }
  const { kty, crv, x, kid } = parsed.data;
  const key = await importJWK({ kty, crv, x }, LICENSE_ALG);
  if (key instanceof Uint8Array) throw new LicenseKeyError(`${source}: key '${kid}' is not an asymmetric key`);
  return { kid, source, key };
}

async function keysOf(jwks: unknown, source: string): Promise<TrustedKey[]> {
  const parsed = jwksSchema.safeParse(jwks);
  if (!parsed.success) throw new LicenseKeyError(`${source}: not a JWKS (expected {"keys": [...]})`);
  return Promise.all(parsed.data.keys.map((key) => importPublic(key, source)));
}

async function readJwksFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new LicenseKeyError(`cannot read JWKS ${path}: ${code === "ENOENT" ? "no such file" : (code ?? "read error")}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new LicenseKeyError(`${path}: not valid JSON (${(error as Error).message})`);
  }
}

/**
 * Builds the trust store: the vendor keys shipped in keys/vendor.jwks.json plus an optional extra JWKS.
 * Throws LicenseKeyError on unreadable or invalid key sets and on two keys sharing a `kid`.
 */
export async function loadTrustStore(options: TrustOptions = {}): Promise<TrustStore> {
  const keys: TrustedKey[] = [];
  if (options.vendorKeys !== false) keys.push(...(await keysOf(vendorJwks, "vendor keys")));
  if (options.extraJwks !== undefined) keys.push(...(await keysOf(options.extraJwks, "extra keys")));
  if (options.extraJwksPath !== undefined) {
    keys.push(...(await keysOf(await readJwksFile(options.extraJwksPath), options.extraJwksPath)));
  }
  const byKid = new Map<string, TrustedKey>();
  for (const key of keys) {
    const existing = byKid.get(key.kid);
    if (existing) throw new LicenseKeyError(`key id '${key.kid}' appears twice (${existing.source}, ${key.source})`);
    byKid.set(key.kid, key);
  }
  return { get: (kid) => byKid.get(kid), kids: () => [...byKid.keys()] };
}

/** Validates a private signing key (a JWK as written by `generateSigningKey`); the message never echoes the key. */
export function parsePrivateJwk(value: unknown, source: string): PrivateJwk {
  const parsed = privateJwkSchema.safeParse(value);
  if (!parsed.success) {
    throw new LicenseKeyError(`${source}: not an Ed25519 private JWK (${describeIssue(parsed.error.issues[0], "key")})`);
  }
  return parsed.data;
}

export interface SigningKeyPair {
  kid: string;
  privateJwk: PrivateJwk;
  publicJwk: PublicJwk;
  jwks: Jwks;
}

/** A new Ed25519 key pair; the `kid` defaults to the key's RFC 7638 thumbprint. */
export async function generateSigningKey(kid?: string): Promise<SigningKeyPair> {
  const { privateKey } = await generateKeyPair(LICENSE_ALG, { extractable: true });
  const jwk: JWK = await exportJWK(privateKey);
  const thumbprint = await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x });
  const privateJwk = parsePrivateJwk({ ...jwk, kid: kid ?? thumbprint, alg: LICENSE_ALG, use: "sig" }, "generated key");
  const { d: _secret, ...publicJwk } = privateJwk;
  return { kid: privateJwk.kid, privateJwk, publicJwk, jwks: { keys: [publicJwk] } };
}
