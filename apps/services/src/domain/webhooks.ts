import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Checks a `sha256=<hex>` signature header (GitHub's X-Hub-Signature-256, our X-Citadel-Signature-256)
 * against HMAC-SHA256 of the raw body. Constant-time over equal lengths; a header of another length
 * or shape is simply wrong (timingSafeEqual would throw on it).
 */
export function verifySignature(secret: string, body: Buffer, header: string | string[] | undefined): boolean {
  if (typeof header !== "string") return false;
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`, "utf8");
  const given = Buffer.from(header.trim().toLowerCase(), "utf8");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export type PushedRef = { kind: "branch"; branch: string } | { kind: "tag"; tag: string } | { kind: "other" };

/** `refs/heads/x` → branch x, `refs/tags/v1` → tag v1; anything else (notes, pull refs) is not built. */
export function parsePushedRef(ref: string): PushedRef {
  if (ref.startsWith("refs/heads/") && ref.length > "refs/heads/".length) {
    return { kind: "branch", branch: ref.slice("refs/heads/".length) };
  }
  if (ref.startsWith("refs/tags/") && ref.length > "refs/tags/".length)
    return { kind: "tag", tag: ref.slice("refs/tags/".length) };
  return { kind: "other" };
}

/** A push that deletes a ref carries the all-zero object id as its new value. */
export function isDeletion(after: string): boolean {
  return /^0+$/.test(after);
}
