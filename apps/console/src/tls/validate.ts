import type { KeyObject, X509Certificate } from "node:crypto";
import { checkChain, checkValidity } from "./chain";
import { checkHostname, normaliseHostname } from "./host";
import { parseCertificates, parsePrivateKey, privateKeyToPem } from "./pem";
import { orderPkcs12, readPkcs12 } from "./pkcs12";
import { createSelfSignedCertificate } from "./self-signed";
import { fail, type Step, type TlsBundle, type TlsError, type TlsValidationInput, type TlsValidationResult } from "./types";
import { distinguishedName, isSelfSigned, subjectAltNames, validityDates } from "./x509-text";

export { daysUntilExpiry, needsRenewal, RENEWAL_WINDOW_DAYS, type RenewalAdvice } from "./renewal";
export type * from "./types";

// Division of labour: Node's crypto.X509Certificate / createPrivateKey (OpenSSL) parse certificates and keys and
// do every check (key match, host, dates, chain signatures) for RSA and EC alike; node-forge only decodes
// PKCS#12, which Node cannot read, and creates self-signed certificates (self-signed.ts).

/**
 * Validates an uploaded certificate + key (PEM or PKCS#12) for `hostname` at `now`. Never throws on bad input:
 * every problem found comes back as an error with its field, a stable code and the message the admin reads.
 * Independent problems (say, expired and wrong host) are all reported; checks that need a part that could not be
 * read are skipped.
 */
export function validateTlsBundle(input: TlsValidationInput): TlsValidationResult {
  const { material, errors } = readMaterial(input);
  if (material === undefined) return { ok: false, errors };
  const { certificates, key } = material;
  const leaf = certificates[0] as X509Certificate;
  if (key !== undefined && !leaf.checkPrivateKey(key)) {
    errors.push({
      field: "privateKey",
      code: "key_mismatch",
      message: "The private key does not match the certificate (their public keys differ).",
    });
  }
  certificates.forEach((cert, index) => {
    errors.push(...checkValidity(cert, input.now, index + 1));
  });
  if (normaliseHostname(input.hostname) === "") {
    errors.push({
      field: "certificate",
      code: "hostname_missing",
      message: "No hostname was given to check the certificate against.",
    });
  } else {
    const host = checkHostname(leaf, input.hostname);
    if (!host.ok) errors.push(...host.errors);
  }
  errors.push(...checkChain(certificates));
  if (errors.length > 0 || key === undefined) return { ok: false, errors };
  return { ok: true, bundle: toBundle(certificates, key) };
}

interface Material {
  /** The leaf, then its chain. */
  certificates: X509Certificate[];
  /** Undefined when the key could not be read (its errors are reported; the certificate is still checked). */
  key: KeyObject | undefined;
}

/** The certificates and key, or, when no certificate could be read, only the errors. */
function readMaterial(input: TlsValidationInput): { material: Material | undefined; errors: TlsError[] } {
  if (input.kind === "pkcs12") {
    const contents = readPkcs12(input.pkcs12, input.password);
    if (!contents.ok) return { material: undefined, errors: contents.errors };
    return { material: { certificates: orderPkcs12(contents.value), key: contents.value.key }, errors: [] };
  }
  const errors: TlsError[] = [];
  const leafAndChain = parseLeafAndChain(input.certificatePem);
  if (!leafAndChain.ok) errors.push(...leafAndChain.errors);
  const chain = input.chainPem?.trim() ? parseCertificates(input.chainPem, "chain") : { ok: true as const, value: [] };
  if (!chain.ok) errors.push(...chain.errors);
  const key = parsePrivateKey(input.privateKeyPem);
  if (!key.ok) errors.push(...key.errors);
  if (!leafAndChain.ok || !chain.ok) return { material: undefined, errors };
  return { material: { certificates: [...leafAndChain.value, ...chain.value], key: key.ok ? key.value : undefined }, errors };
}

function parseLeafAndChain(certificatePem: string): Step<X509Certificate[]> {
  if (certificatePem.trim() === "") return fail("certificate", "certificate_missing", "No certificate was given.");
  return parseCertificates(certificatePem, "certificate");
}

function toBundle(certificates: X509Certificate[], key: KeyObject): TlsBundle {
  const [leaf, ...chain] = certificates as [X509Certificate, ...X509Certificate[]];
  const dates = validityDates(leaf) ?? { notBefore: new Date(Number.NaN), notAfter: new Date(Number.NaN) };
  return {
    certificatePem: leaf.toString(),
    chainPem: chain.map((cert) => cert.toString()).join(""),
    privateKeyPem: privateKeyToPem(key),
    subject: distinguishedName(leaf.subject),
    issuer: distinguishedName(leaf.issuer),
    sans: subjectAltNames(leaf),
    notBefore: dates.notBefore,
    notAfter: dates.notAfter,
    fingerprintSha256: leaf.fingerprint256.replaceAll(":", "").toLowerCase(),
    selfSigned: isSelfSigned(leaf),
  };
}

/**
 * The wizard's "use a self-signed certificate" choice: a new certificate for `hostname` (self-signed.ts, valid
 * from a minute ago), run through the same validation so the stored bundle has the same shape as an upload.
 */
export function createSelfSignedBundle(hostname: string, validDays = 365): TlsValidationResult {
  const host = normaliseHostname(hostname);
  const pair = createSelfSignedCertificate([host], validDays);
  return validateTlsBundle({
    kind: "pem",
    certificatePem: pair.certPem,
    privateKeyPem: pair.keyPem,
    hostname: host,
    now: new Date(),
  });
}
