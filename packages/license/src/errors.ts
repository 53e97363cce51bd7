/** A license file is a few hundred bytes; anything above this is refused before it is parsed. */
export const MAX_LICENSE_BYTES = 64 * 1024;

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

/** The refusal for input above MAX_LICENSE_BYTES, or null when `bytes` is within it (callers may check before reading). */
export function oversizeMessage(bytes: number): string | null {
  if (bytes <= MAX_LICENSE_BYTES) return null;
  return `license file is too large (${formatBytes(bytes)}); a license is at most ${formatBytes(MAX_LICENSE_BYTES)}`;
}

/**
 * Bad key material: an unreadable or invalid JWKS, a private key that is not an Ed25519 JWK.
 * The message is meant for the operator and never contains key material.
 */
export class LicenseKeyError extends Error {
  override name = "LicenseKeyError";
}

/** Bad input to `issueLicense` (an entitlement out of range, an expiry before issue time...). */
export class LicenseClaimsError extends Error {
  override name = "LicenseClaimsError";
}

/** One line naming what was wrong, from a zod error's first issue (never echoes the input value). */
export function describeIssue(issue: { path: PropertyKey[]; message: string } | undefined, what: string): string {
  if (!issue) return `invalid ${what}`;
  const path = issue.path.map(String).join(".");
  return path ? `${what} field '${path}': ${issue.message}` : `${what}: ${issue.message}`;
}
