import { Buffer } from "node:buffer";
import { compactVerify, errors } from "jose";
import { LICENSE_TYPE, parseClaims } from "./claims";
import { oversizeMessage } from "./errors";
import { LICENSE_ALG, type TrustStore } from "./keys";
import { License, VERIFIED } from "./license";

export type VerifyResult =
  | { status: "valid"; license: License; message: string }
  | { status: "expired"; license: License; daysSince: number; message: string }
  | { status: "not-yet-valid"; license: License; message: string }
  | { status: "bad-signature"; message: string }
  | { status: "unknown-key"; kid: string; message: string }
  | { status: "malformed"; message: string };

export type VerifyStatus = VerifyResult["status"];

/** Whether the vendor signature holds: `not-checked` when the file is too broken to get that far. */
export type SignatureCheck = "valid" | "invalid" | "unknown-key" | "not-checked";

export interface Inspection {
  result: VerifyResult;
  signature: SignatureCheck;
  /** The decoded protected header, or null when it could not be decoded. */
  header: Record<string, unknown> | null;
  /** The decoded payload, trusted or not; null when it could not be decoded. */
  payload: unknown;
}

export interface VerifyOptions {
  /** The time to judge expiry against (default: now). */
  now?: Date;
}

const SIGNATURE_BYTES = 64;
const PART = /^[A-Za-z0-9_-]*$/;

type Step<T> = { ok: true; value: T } | { ok: false; message: string };

function fail(message: string): { ok: false; message: string } {
  return { ok: false, message };
}

/** A short, quoted, single-line rendering of an untrusted value for messages. */
function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function toText(input: string | Uint8Array): Step<string> {
  const size = typeof input === "string" ? Buffer.byteLength(input) : input.byteLength;
  const oversize = oversizeMessage(size);
  if (oversize) return fail(oversize);
  let text: string;
  if (typeof input === "string") {
    text = input;
  } else {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(input);
    } catch (error) {
      return fail(`license file is binary data, not text (${(error as Error).name})`);
    }
  }
  const trimmed = text.trim();
  return trimmed === "" ? fail("license file is empty") : { ok: true, value: trimmed };
}

function splitToken(token: string): Step<[string, string, string]> {
  const parts = token.split(".");
  const [header, payload, signature] = parts;
  if (parts.length !== 3 || header === undefined || payload === undefined || signature === undefined) {
    return fail(`not a license: expected 3 dot-separated parts, found ${parts.length} (truncated or not a license file?)`);
  }
  if (!parts.every((part) => PART.test(part))) {
    return fail("not a license: unexpected characters (corrupted or binary file?)");
  }
  if (header === "" || payload === "") return fail("not a license: empty header or payload (truncated file?)");
  return { ok: true, value: [header, payload, signature] };
}

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function judge(license: License, now: Date): VerifyResult {
  const time = license.timeStatus(now);
  const message = license.message(time, now);
  if (time.status === "expired") return { status: "expired", license, daysSince: time.daysSince, message };
  return { status: time.status, license, message };
}

/**
 * Decodes and verifies a license (a compact JWS), reporting the header and payload even when they are not
 * trusted. Never throws on bad input: every problem is a result with a one-line message.
 */
export async function inspectLicense(
  input: string | Uint8Array,
  trust: TrustStore,
  options: VerifyOptions = {},
): Promise<Inspection> {
  const now = options.now ?? new Date();
  let header: Record<string, unknown> | null = null;
  let payload: unknown = null;
  const done = (result: VerifyResult, signature: SignatureCheck): Inspection => ({ result, signature, header, payload });
  const malformed = (message: string): Inspection => done({ status: "malformed", message }, "not-checked");

  const text = toText(input);
  if (!text.ok) return malformed(text.message);
  const parts = splitToken(text.value);
  if (!parts.ok) return malformed(parts.message);
  const [rawHeader, rawPayload, rawSignature] = parts.value;

  const decodedHeader = decodeJson(rawHeader);
  if (!isRecord(decodedHeader)) return malformed("license header is not a base64url JSON object (corrupted file?)");
  header = decodedHeader;
  payload = decodeJson(rawPayload) ?? null;

  const { alg, kid } = header;
  if (typeof alg !== "string") return malformed("license header names no signature algorithm ('alg')");
  if (alg !== LICENSE_ALG) {
    return done(
      { status: "bad-signature", message: `license uses algorithm ${quote(alg)}; only EdDSA (Ed25519) signatures are accepted` },
      "invalid",
    );
  }
  if ("crit" in header || "b64" in header) return malformed("license header uses unsupported parameters ('crit'/'b64')");
  if (typeof kid !== "string" || kid === "") return malformed("license header names no signing key ('kid')");
  const trusted = trust.get(kid);
  if (!trusted) {
    return done(
      { status: "unknown-key", kid, message: `license is signed by key ${quote(kid)}, which this appliance does not trust` },
      "unknown-key",
    );
  }
  const signatureBytes = Buffer.from(rawSignature, "base64url").length;
  if (signatureBytes !== SIGNATURE_BYTES) {
    return malformed(
      `license signature is ${signatureBytes} bytes, an Ed25519 signature is ${SIGNATURE_BYTES} (truncated file?)`,
    );
  }

  try {
    await compactVerify(text.value, trusted.key, { algorithms: [LICENSE_ALG] });
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return done(
        { status: "bad-signature", message: `license signature does not hold for key ${quote(kid)} (the file was altered)` },
        "invalid",
      );
    }
    if (error instanceof errors.JOSEError) return malformed(`license could not be verified: ${error.message}`);
    throw error;
  }

  const invalid = (message: string): Inspection => done({ status: "malformed", message }, "valid");
  if (header.typ !== LICENSE_TYPE) return invalid(`signed data is not a Citadel license (typ ${quote(header.typ)})`);
  if (payload === null) return invalid("license claims are not valid JSON");
  const claims = parseClaims(payload);
  if (!claims.ok) return invalid(claims.message);
  const license = new License(VERIFIED, claims.claims, claims.unknownClaims, kid);
  return done(judge(license, now), "valid");
}

/** Verifies a license against the trust store. Never throws on bad input; see VerifyResult. */
export async function verifyLicense(
  input: string | Uint8Array,
  trust: TrustStore,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  return (await inspectLicense(input, trust, options)).result;
}
