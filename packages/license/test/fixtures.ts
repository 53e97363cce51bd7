import { Buffer } from "node:buffer";
import { generateSigningKey, issueLicense, loadTrustStore } from "../src/index";
import type { IssueInput } from "../src/issue";

export const DAY = 86_400_000;
export const ISSUED = new Date("2026-01-01T00:00:00.000Z");
export const EXPIRES = new Date("2027-01-01T00:00:00.000Z");

/** A fresh signing key and a trust store holding only its public half. */
export async function testKeys(kid = "test-key") {
  const pair = await generateSigningKey(kid);
  const trust = await loadTrustStore({ extraJwks: pair.jwks, vendorKeys: false });
  return { pair, trust };
}

export const fullInput: IssueInput = {
  id: "lic-0001",
  customer: "Acme Corp",
  expiresAt: EXPIRES,
  channel: "stable",
  maxBuilders: 10,
  maxUsers: 50,
  features: ["lxc", "ssh-rerun"],
  expiryPolicy: "block-builds",
};

export async function issued(input: Partial<IssueInput> = {}, now = ISSUED) {
  const keys = await testKeys();
  const { token } = await issueLicense(keys.pair.privateJwk, { ...fullInput, ...input }, { now });
  return { ...keys, token };
}

export function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

export function decodePart(part: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(part ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}

/** Re-encodes the payload after `change`, keeping the original header and signature. */
export function tamperPayload(token: string, change: (claims: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split(".");
  const claims = decodePart(payload);
  change(claims);
  return `${header}.${b64json(claims)}.${signature}`;
}

/** Re-encodes the header after `change`, keeping payload and signature. */
export function tamperHeader(token: string, change: (header: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split(".");
  const decoded = decodePart(header);
  change(decoded);
  return `${b64json(decoded)}.${payload}.${signature}`;
}
