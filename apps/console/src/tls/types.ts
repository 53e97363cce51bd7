/** What the admin uploaded: a PEM certificate (+ chain) and key, or a PKCS#12 archive with its password. */
export type TlsMaterial =
  | {
      kind: "pem";
      /** The leaf certificate, optionally followed by its chain (leaf first, each next one the issuer of the one before). */
      certificatePem: string;
      chainPem?: string;
      privateKeyPem: string;
    }
  | { kind: "pkcs12"; pkcs12: Buffer; password: string };

export type TlsValidationInput = TlsMaterial & {
  /** The hostname users reach the appliance by (a DNS name or an IP address). */
  hostname: string;
  now: Date;
};

export interface TlsBundle {
  /** The leaf certificate, re-encoded as PEM. */
  certificatePem: string;
  /** The chain after the leaf, in order, as PEM ("" when there is none). */
  chainPem: string;
  /** The private key as unencrypted PKCS#8 PEM. */
  privateKeyPem: string;
  /** Distinguished names, one "CN=…, O=…" line each. */
  subject: string;
  issuer: string;
  /** Subject alternative names as they appear in the certificate: DNS names and IP addresses. */
  sans: string[];
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the DER certificate, lowercase hex without colons. */
  fingerprintSha256: string;
  selfSigned: boolean;
}

export type TlsField = "certificate" | "chain" | "privateKey" | "pkcs12" | "password";

export type TlsErrorCode =
  | "hostname_missing"
  | "certificate_missing"
  | "certificate_not_pem"
  | "certificate_invalid"
  | "certificate_expired"
  | "certificate_not_yet_valid"
  | "certificate_hostname_mismatch"
  | "chain_not_pem"
  | "chain_invalid"
  | "chain_broken_link"
  | "chain_out_of_order"
  | "chain_not_ca"
  | "chain_expired"
  | "chain_not_yet_valid"
  | "key_missing"
  | "key_not_pem"
  | "key_not_private"
  | "key_encrypted"
  | "key_multiple"
  | "key_invalid"
  | "key_mismatch"
  | "pkcs12_invalid"
  | "pkcs12_unsupported"
  | "pkcs12_no_key"
  | "pkcs12_no_certificate"
  | "password_wrong";

/** One problem, with the message the admin reads next to the field. Never contains key material or passwords. */
export interface TlsError {
  field: TlsField;
  code: TlsErrorCode;
  message: string;
}

export type TlsValidationResult = { ok: true; bundle: TlsBundle } | { ok: false; errors: TlsError[] };

/** The result of a step that either yields a value or explains what is wrong. */
export type Step<T> = { ok: true; value: T } | { ok: false; errors: TlsError[] };

export function fail(field: TlsField, code: TlsErrorCode, message: string): { ok: false; errors: TlsError[] } {
  return { ok: false, errors: [{ field, code, message }] };
}
