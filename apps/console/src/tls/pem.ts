import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { fail, type Step, type TlsError } from "./types";

// Node's crypto (OpenSSL) parses certificates and keys of every type (RSA, EC, Ed25519); node-forge only
// understands RSA, so all parsing goes through Node and forge is kept for PKCS#12 (which Node cannot open).

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

interface PemBlock {
  label: string;
  text: string;
}

function pemBlocks(text: string): PemBlock[] {
  return [...text.matchAll(PEM_BLOCK)].map((match) => ({ label: match[1] ?? "", text: match[0] }));
}

/**
 * The certificates in a PEM text, in order. `what` is how messages name the field:
 * the leaf field ("certificate") or the separate chain field ("chain").
 */
export function parseCertificates(text: string, field: "certificate" | "chain"): Step<X509Certificate[]> {
  const what = field === "certificate" ? "The certificate" : "The chain";
  const blocks = pemBlocks(text).filter((block) => block.label === "CERTIFICATE");
  if (blocks.length === 0) {
    const code = field === "certificate" ? "certificate_not_pem" : "chain_not_pem";
    const hint = pemBlocks(text).some((block) => block.label.includes("PRIVATE KEY"))
      ? " It holds a private key; paste that into the private key field."
      : "";
    return fail(field, code, `${what} is not a PEM certificate (expected -----BEGIN CERTIFICATE-----).${hint}`);
  }
  const certificates: X509Certificate[] = [];
  const errors: TlsError[] = [];
  blocks.forEach((block, index) => {
    try {
      certificates.push(new X509Certificate(block.text));
    } catch (error) {
      const position = blocks.length > 1 ? ` (block ${index + 1} of ${blocks.length})` : "";
      const code = field === "certificate" ? "certificate_invalid" : "chain_invalid";
      errors.push({
        field,
        code,
        message: `${what}${position} has PEM markers but is not a valid X.509 certificate (${reason(error)}).`,
      });
    }
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: certificates };
}

/** The one unencrypted private key in a PEM text. Messages never quote the text. */
export function parsePrivateKey(text: string): Step<KeyObject> {
  if (text.trim() === "") return fail("privateKey", "key_missing", "No private key was given.");
  const blocks = pemBlocks(text);
  const keys = blocks.filter((block) => block.label.endsWith("PRIVATE KEY"));
  if (keys.length === 0) {
    const other = blocks[0]?.label;
    if (other !== undefined) {
      return fail(
        "privateKey",
        "key_not_private",
        `The private key field holds a PEM ${other.toLowerCase()}, not a private key (expected -----BEGIN PRIVATE KEY-----).`,
      );
    }
    return fail("privateKey", "key_not_pem", "The private key is not a PEM private key (expected -----BEGIN PRIVATE KEY-----).");
  }
  if (keys.length > 1) {
    return fail(
      "privateKey",
      "key_multiple",
      `The private key field holds ${keys.length} private keys; give only the certificate's own.`,
    );
  }
  const block = keys[0] as PemBlock;
  if (block.label === "ENCRYPTED PRIVATE KEY" || /Proc-Type:\s*4,ENCRYPTED/.test(block.text)) {
    return encryptedKey();
  }
  try {
    return { ok: true, value: createPrivateKey({ key: block.text, format: "pem" }) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_MISSING_PASSPHRASE") return encryptedKey();
    return fail("privateKey", "key_invalid", `The private key has PEM markers but could not be read (${reason(error)}).`);
  }
}

function encryptedKey(): { ok: false; errors: TlsError[] } {
  return fail(
    "privateKey",
    "key_encrypted",
    "The private key is encrypted with a passphrase; upload it unencrypted (e.g. `openssl pkey -in key.pem -out plain.pem`).",
  );
}

/** The library's reason, without anything from the input (OpenSSL and forge messages name the failure, not the data). */
export function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^error:[0-9A-F]+:/i, "").slice(0, 160);
}

/** Unencrypted PKCS#8 PEM: one form for every key type, which Node's TLS accepts. */
export function privateKeyToPem(key: KeyObject): string {
  return key.export({ type: "pkcs8", format: "pem" }).toString();
}
