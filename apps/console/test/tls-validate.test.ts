import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import forge from "node-forge";
import {
  createSelfSignedBundle,
  daysUntilExpiry,
  needsRenewal,
  type TlsError,
  type TlsValidationInput,
  type TlsValidationResult,
  validateTlsBundle,
} from "../src/tls/validate";

// Fixtures are made here: RSA keys by Node (fast), imported into forge, which builds and signs the certificates.
// EC fixtures need OpenSSL (forge cannot sign with EC keys), so those few use the `openssl` CLI.

interface Key {
  pem: string;
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
}

function rsaKey(): Key {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pem);
  return { pem, privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

const rootKey = rsaKey();
const intermediateKey = rsaKey();
const leafKey = rsaKey();
const otherKey = rsaKey();

const NOW = new Date("2026-06-01T12:00:00Z");
const YEAR_START = new Date("2026-01-01T00:00:00Z");
const YEAR_END = new Date("2027-01-01T00:00:00Z");

interface Issued {
  cert: forge.pki.Certificate;
  key: Key;
  pem: string;
}

interface CertOptions {
  cn: string;
  key: Key;
  issuer?: Issued;
  /** Sign with this key instead of the issuer's (a certificate that names an issuer it was not signed by). */
  signingKey?: Key;
  sans?: string[];
  ca?: boolean;
  notBefore?: Date;
  notAfter?: Date;
}

let serial = 1;
function issue(options: CertOptions): Issued {
  const cert = forge.pki.createCertificate();
  cert.publicKey = options.key.publicKey;
  cert.serialNumber = (serial++).toString(16).padStart(4, "0");
  cert.validity.notBefore = options.notBefore ?? YEAR_START;
  cert.validity.notAfter = options.notAfter ?? YEAR_END;
  const subject = [
    { name: "commonName", value: options.cn },
    { name: "organizationName", value: "Test" },
  ];
  cert.setSubject(subject);
  cert.setIssuer(options.issuer ? options.issuer.cert.subject.attributes : subject);
  const extensions: object[] = [{ name: "basicConstraints", cA: options.ca ?? false }];
  if (options.ca) extensions.push({ name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true });
  if (options.sans) {
    const altNames = options.sans.map((name) => (/^[\d.]+$/.test(name) ? { type: 7, ip: name } : { type: 2, value: name }));
    extensions.push({ name: "subjectAltName", altNames });
  }
  cert.setExtensions(extensions);
  const signer = options.signingKey ?? options.issuer?.key ?? options.key;
  cert.sign(signer.privateKey, forge.md.sha256.create());
  return { cert, key: options.key, pem: forge.pki.certificateToPem(cert) };
}

const root = issue({ cn: "Test Root CA", key: rootKey, ca: true });
const intermediate = issue({ cn: "Test Intermediate CA", key: intermediateKey, issuer: root, ca: true });
const SANS = ["ci.example.com", "*.dev.example.com", "10.0.0.5"];
const leaf = issue({ cn: "ci.example.com", key: leafKey, issuer: intermediate, sans: SANS });

function pem(certificatePem: string, privateKeyPem: string, extra: Partial<TlsValidationInput> = {}): TlsValidationInput {
  return {
    kind: "pem",
    certificatePem,
    chainPem: "",
    privateKeyPem,
    hostname: "ci.example.com",
    now: NOW,
    ...extra,
  } as TlsValidationInput;
}

const allMessages: string[] = [];

/** The errors of a failed result; every test also collects messages for the no-secrets check at the end. */
function errorsOf(result: TlsValidationResult): TlsError[] {
  assert.equal(result.ok, false, "expected the bundle to be refused");
  if (result.ok) return [];
  allMessages.push(...result.errors.map((error) => error.message));
  return result.errors;
}

function onlyError(result: TlsValidationResult): TlsError {
  const errors = errorsOf(result);
  assert.equal(errors.length, 1, `expected one error, got ${JSON.stringify(errors, null, 2)}`);
  return errors[0] as TlsError;
}

function assertOk(result: TlsValidationResult) {
  if (!result.ok) assert.fail(`expected the bundle to be accepted: ${JSON.stringify(result.errors, null, 2)}`);
  return result.bundle;
}

describe("valid bundles", () => {
  test("a self-signed certificate made for the hostname (self-signed.ts) validates, with every bundle field", () => {
    const bundle = assertOk(createSelfSignedBundle("Build.Example.com"));
    assert.equal(bundle.selfSigned, true);
    assert.deepEqual(bundle.sans, ["build.example.com"]);
    assert.match(bundle.subject, /^CN=build\.example\.com, O=Citadel$/);
    assert.equal(bundle.issuer, bundle.subject);
    assert.match(bundle.fingerprintSha256, /^[0-9a-f]{64}$/);
    assert.match(bundle.privateKeyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.match(bundle.certificatePem, /^-----BEGIN CERTIFICATE-----\n/);
    assert.equal(bundle.chainPem, "");
    assert.ok(bundle.notBefore.getTime() < Date.now() && bundle.notAfter.getTime() > Date.now() + 364 * 86_400_000);
  });

  test("a CA-issued leaf with its intermediate and root, in order, in the chain field", () => {
    const bundle = assertOk(validateTlsBundle(pem(leaf.pem, leafKey.pem, { chainPem: intermediate.pem + root.pem })));
    assert.equal(bundle.selfSigned, false);
    assert.equal(bundle.subject, "CN=ci.example.com, O=Test");
    assert.equal(bundle.issuer, "CN=Test Intermediate CA, O=Test");
    assert.deepEqual(bundle.sans, SANS);
    assert.equal(bundle.notBefore.toISOString(), YEAR_START.toISOString());
    assert.equal(bundle.notAfter.toISOString(), YEAR_END.toISOString());
    assert.equal(bundle.chainPem.match(/BEGIN CERTIFICATE/g)?.length, 2);
    const fingerprint = forge.md.sha256.create().update(forge.asn1.toDer(forge.pki.certificateToAsn1(leaf.cert)).getBytes());
    assert.equal(bundle.fingerprintSha256, fingerprint.digest().toHex());
  });

  test("the chain may follow the leaf in the certificate field (fullchain.pem); the root may be left out", () => {
    const bundle = assertOk(validateTlsBundle(pem(leaf.pem + intermediate.pem, leafKey.pem)));
    assert.equal(bundle.chainPem.match(/BEGIN CERTIFICATE/g)?.length, 1);
  });

  test("an IP address hostname matches an IP SAN; a certificate without SANs is matched on its CN", () => {
    assertOk(validateTlsBundle(pem(leaf.pem, leafKey.pem, { hostname: "10.0.0.5", chainPem: intermediate.pem })));
    const cnOnly = issue({ cn: "legacy.example.com", key: leafKey, issuer: intermediate });
    assertOk(validateTlsBundle(pem(cnOnly.pem, leafKey.pem, { hostname: "legacy.example.com" })));
  });
});

describe("certificate and key", () => {
  test("a key that belongs to another certificate is refused as a mismatch", () => {
    const error = onlyError(validateTlsBundle(pem(leaf.pem, otherKey.pem)));
    assert.deepEqual(error, {
      field: "privateKey",
      code: "key_mismatch",
      message: "The private key does not match the certificate (their public keys differ).",
    });
  });

  test("garbage in the certificate field: not PEM; the key is still checked", () => {
    const errors = errorsOf(validateTlsBundle(pem("hello, I am a certificate", "also garbage")));
    assert.deepEqual(
      errors.map((error) => [error.field, error.code]),
      [
        ["certificate", "certificate_not_pem"],
        ["privateKey", "key_not_pem"],
      ],
    );
    assert.equal(errors[0]?.message, "The certificate is not a PEM certificate (expected -----BEGIN CERTIFICATE-----).");
    assert.match(errors[1]?.message ?? "", /not a PEM private key/);
  });

  test("PEM markers around garbage: not a valid certificate", () => {
    const broken = "-----BEGIN CERTIFICATE-----\nTUlJQmdhcmJhZ2U=\n-----END CERTIFICATE-----\n";
    const error = onlyError(validateTlsBundle(pem(broken, leafKey.pem)));
    assert.equal(error.code, "certificate_invalid");
    assert.match(error.message, /has PEM markers but is not a valid X\.509 certificate/);
  });

  test("a key pasted into the certificate field is named as such", () => {
    const errors = errorsOf(validateTlsBundle(pem(leafKey.pem, leafKey.pem)));
    assert.equal(errors[0]?.code, "certificate_not_pem");
    assert.match(errors[0]?.message ?? "", /holds a private key/);
  });

  test("an empty certificate or key field says it is missing", () => {
    const errors = errorsOf(validateTlsBundle(pem("", " ")));
    assert.deepEqual(
      errors.map((error) => error.code),
      ["certificate_missing", "key_missing"],
    );
  });

  test("a garbage key, a public key, a certificate in the key field, an encrypted key, two keys", () => {
    const cases: Array<[string, string, RegExp]> = [
      ["not a key at all", "key_not_pem", /not a PEM private key \(expected -----BEGIN PRIVATE KEY-----\)/],
      [forge.pki.publicKeyToPem(leafKey.publicKey), "key_not_private", /holds a PEM public key, not a private key/],
      [leaf.pem, "key_not_private", /holds a PEM certificate, not a private key/],
      [forge.pki.encryptRsaPrivateKey(leafKey.privateKey, "hunter2"), "key_encrypted", /encrypted with a passphrase/],
      [
        forge.pki.encryptRsaPrivateKey(leafKey.privateKey, "hunter2", { legacy: true, algorithm: "aes128" }),
        "key_encrypted",
        /encrypted with a passphrase/,
      ],
      [leafKey.pem + otherKey.pem, "key_multiple", /holds 2 private keys/],
      ["-----BEGIN PRIVATE KEY-----\nZ2FyYmFnZQ==\n-----END PRIVATE KEY-----\n", "key_invalid", /could not be read/],
    ];
    for (const [keyPem, code, message] of cases) {
      const error = onlyError(validateTlsBundle(pem(leaf.pem, keyPem)));
      assert.equal(error.field, "privateKey");
      assert.equal(error.code, code);
      assert.match(error.message, message);
    }
  });
});

describe("validity dates", () => {
  test("expired: names the date it expired", () => {
    const expired = issue({
      cn: "ci.example.com",
      key: leafKey,
      sans: SANS,
      notBefore: new Date("2025-01-01T00:00:00Z"),
      notAfter: YEAR_START,
    });
    const error = onlyError(validateTlsBundle(pem(expired.pem, leafKey.pem)));
    assert.equal(error.code, "certificate_expired");
    assert.equal(error.field, "certificate");
    assert.equal(error.message, "The certificate expired on 2026-01-01 00:00 UTC (151 days ago).");
  });

  test("not yet valid: names the date it becomes valid", () => {
    const future = issue({ cn: "ci.example.com", key: leafKey, sans: SANS, notBefore: new Date("2026-07-01T00:00:00Z") });
    const error = onlyError(validateTlsBundle(pem(future.pem, leafKey.pem)));
    assert.equal(error.code, "certificate_not_yet_valid");
    assert.match(error.message, /^The certificate is not valid until 2026-07-01 00:00 UTC \(in 29 days\)/);
  });

  test("independent problems are all reported: expired and for another host", () => {
    const expired = issue({
      cn: "old.example.com",
      key: leafKey,
      sans: ["old.example.com"],
      notAfter: new Date("2026-02-01T00:00:00Z"),
    });
    const errors = errorsOf(validateTlsBundle(pem(expired.pem, leafKey.pem)));
    assert.deepEqual(
      errors.map((error) => error.code),
      ["certificate_expired", "certificate_hostname_mismatch"],
    );
  });
});

describe("hostname", () => {
  test("a host the certificate does not cover: lists what it covers", () => {
    const error = onlyError(validateTlsBundle(pem(leaf.pem, leafKey.pem, { hostname: "build.example.com" })));
    assert.equal(error.code, "certificate_hostname_mismatch");
    assert.equal(error.message, "The certificate covers ci.example.com, *.dev.example.com, 10.0.0.5, not build.example.com.");
  });

  test("a wildcard covers exactly one label: a.dev matches, a.b.dev and dev itself do not", () => {
    assertOk(validateTlsBundle(pem(leaf.pem, leafKey.pem, { hostname: "a.dev.example.com" })));
    assertOk(validateTlsBundle(pem(leaf.pem, leafKey.pem, { hostname: "A.Dev.Example.COM." })));
    const deep = onlyError(validateTlsBundle(pem(leaf.pem, leafKey.pem, { hostname: "a.b.dev.example.com" })));
    assert.equal(deep.code, "certificate_hostname_mismatch");
    assert.match(
      deep.message,
      /not a\.b\.dev\.example\.com\. A wildcard covers exactly one label: \*\.dev\.example\.com covers a\.dev\.example\.com but not a\.b\.dev\.example\.com\./,
    );
    const bare = onlyError(validateTlsBundle(pem(leaf.pem, leafKey.pem, { hostname: "dev.example.com" })));
    assert.equal(bare.code, "certificate_hostname_mismatch");
  });

  test("an IP address not among the IP SANs; a hostname never matches an IP SAN", () => {
    const error = onlyError(validateTlsBundle(pem(leaf.pem, leafKey.pem, { hostname: "10.0.0.6" })));
    assert.match(error.message, /not 10\.0\.0\.6\.$/);
    const cnIsIp = issue({ cn: "10.0.0.7", key: leafKey });
    assert.equal(
      onlyError(validateTlsBundle(pem(cnIsIp.pem, leafKey.pem, { hostname: "10.0.0.7" }))).code,
      "certificate_hostname_mismatch",
    );
  });

  test("no hostname given", () => {
    assert.equal(onlyError(validateTlsBundle(pem(leaf.pem, leafKey.pem, { hostname: " " }))).code, "hostname_missing");
  });
});

describe("chain", () => {
  test("broken link: an intermediate that did not issue the leaf, named by subject", () => {
    const stranger = issue({ cn: "Other Intermediate CA", key: otherKey, issuer: root, ca: true });
    const error = onlyError(validateTlsBundle(pem(leaf.pem, leafKey.pem, { chainPem: stranger.pem })));
    assert.equal(error.field, "chain");
    assert.equal(error.code, "chain_broken_link");
    assert.equal(
      error.message,
      "Certificate 2 in the chain (CN=Other Intermediate CA) did not issue certificate 1 (CN=ci.example.com): CN=ci.example.com names CN=Test Intermediate CA as its issuer.",
    );
  });

  test("broken link: an intermediate with the right name but another key (signature does not verify)", () => {
    const impostor = issue({ cn: "Test Intermediate CA", key: otherKey, issuer: root, ca: true });
    const error = onlyError(validateTlsBundle(pem(leaf.pem, leafKey.pem, { chainPem: impostor.pem })));
    assert.equal(error.code, "chain_broken_link");
    assert.match(
      error.message,
      /^Certificate 2 in the chain \(CN=Test Intermediate CA\) did not issue certificate 1 .*the signature does not verify/,
    );
  });

  test("chain in the wrong order: says which certificate must come where", () => {
    const error = onlyError(validateTlsBundle(pem(leaf.pem, leafKey.pem, { chainPem: root.pem + intermediate.pem })));
    assert.equal(error.code, "chain_out_of_order");
    assert.equal(
      error.message,
      "The chain is out of order: certificate 1 (CN=ci.example.com) was issued by certificate 3 (CN=Test Intermediate CA), which must come directly after it, not CN=Test Root CA.",
    );
  });

  test("an expired intermediate is named by its position and subject", () => {
    const old = issue({
      cn: "Test Intermediate CA",
      key: intermediateKey,
      issuer: root,
      ca: true,
      notAfter: new Date("2026-05-01T00:00:00Z"),
    });
    const error = onlyError(validateTlsBundle(pem(leaf.pem, leafKey.pem, { chainPem: old.pem })));
    assert.equal(error.code, "chain_expired");
    assert.equal(error.field, "chain");
    assert.match(error.message, /^Certificate 2 in the chain \(CN=Test Intermediate CA\) expired on 2026-05-01 00:00 UTC/);
  });

  test("an issuer whose key usage does not allow signing certificates", () => {
    const noCertSign = issue({ cn: "Test Intermediate CA", key: intermediateKey, issuer: root, ca: true });
    noCertSign.cert.setExtensions([
      { name: "basicConstraints", cA: true },
      { name: "keyUsage", digitalSignature: true },
    ]);
    noCertSign.cert.sign(rootKey.privateKey, forge.md.sha256.create());
    const error = onlyError(
      validateTlsBundle(pem(leaf.pem, leafKey.pem, { chainPem: forge.pki.certificateToPem(noCertSign.cert) })),
    );
    assert.equal(error.code, "chain_broken_link");
    assert.match(error.message, /key usage or key identifier does not allow it to issue certificates/);
  });

  test("an issuer that is not a CA", () => {
    const notCa = issue({ cn: "Test Intermediate CA", key: intermediateKey, issuer: root, ca: false });
    const error = onlyError(validateTlsBundle(pem(leaf.pem, leafKey.pem, { chainPem: notCa.pem })));
    assert.equal(error.code, "chain_not_ca");
    assert.match(error.message, /is not a CA certificate/);
  });

  test("garbage in the chain field", () => {
    const errors = errorsOf(validateTlsBundle(pem(leaf.pem, leafKey.pem, { chainPem: "intermediate goes here" })));
    assert.deepEqual(
      errors.map((error) => [error.field, error.code]),
      [["chain", "chain_not_pem"]],
    );
    assert.match(errors[0]?.message ?? "", /^The chain is not a PEM certificate/);
  });
});

describe("PKCS#12", () => {
  function p12(key: Key | null, certs: Issued[], password: string): Buffer {
    const asn1 = forge.pkcs12.toPkcs12Asn1(
      key?.privateKey ?? null,
      certs.map((issued) => issued.cert),
      password,
      { algorithm: "aes256" },
    );
    return Buffer.from(forge.asn1.toDer(asn1).getBytes(), "binary");
  }

  test("valid: the leaf is found by its key and the chain is put in order whatever the archive's order", () => {
    const archive = p12(leafKey, [root, leaf, intermediate], "correct horse");
    const bundle = assertOk(
      validateTlsBundle({ kind: "pkcs12", pkcs12: archive, password: "correct horse", hostname: "ci.example.com", now: NOW }),
    );
    assert.equal(bundle.subject, "CN=ci.example.com, O=Test");
    const chainSubjects = bundle.chainPem
      .split(/(?<=-----END CERTIFICATE-----\n)/)
      .filter((part) => part.trim() !== "")
      .map((part) => forge.pki.certificateFromPem(part).subject.getField("CN").value);
    assert.deepEqual(chainSubjects, ["Test Intermediate CA", "Test Root CA"]);
  });

  test("the wrong password", () => {
    const archive = p12(leafKey, [leaf], "correct horse");
    const error = onlyError(
      validateTlsBundle({ kind: "pkcs12", pkcs12: archive, password: "battery staple", hostname: "ci.example.com", now: NOW }),
    );
    assert.deepEqual(error, { field: "password", code: "password_wrong", message: "The PKCS#12 password is wrong." });
  });

  test("garbage instead of an archive", () => {
    const error = onlyError(
      validateTlsBundle({
        kind: "pkcs12",
        pkcs12: Buffer.from("not a pfx"),
        password: "x",
        hostname: "ci.example.com",
        now: NOW,
      }),
    );
    assert.equal(error.field, "pkcs12");
    assert.equal(error.code, "pkcs12_invalid");
    assert.match(error.message, /not a PKCS#12 archive/);
  });

  test("an archive without a key", () => {
    const noKey = onlyError(
      validateTlsBundle({
        kind: "pkcs12",
        pkcs12: p12(null, [leaf], "pw"),
        password: "pw",
        hostname: "ci.example.com",
        now: NOW,
      }),
    );
    assert.equal(noKey.code, "pkcs12_no_key");
    assert.match(noKey.message, /holds no private key/);
  });

  test("the checks apply to its contents: a key for another certificate", () => {
    const error = onlyError(
      validateTlsBundle({
        kind: "pkcs12",
        pkcs12: p12(otherKey, [leaf], "pw"),
        password: "pw",
        hostname: "ci.example.com",
        now: NOW,
      }),
    );
    assert.equal(error.code, "key_mismatch");
  });
});

describe("EC keys (fixtures from the openssl CLI)", () => {
  const dir = mkdtempSync(join(tmpdir(), "citadel-tls-ec-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  openssl(
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    "ec.key",
    "-out",
    "ec.crt",
    "-subj",
    "/CN=ec.example.com",
    "-addext",
    "subjectAltName=DNS:ec.example.com",
    "-days",
    "30",
  );
  const ecCert = readFileSync(join(dir, "ec.crt"), "utf8");
  const ecKey = readFileSync(join(dir, "ec.key"), "utf8");
  const now = new Date();

  test("an EC certificate and its key validate", () => {
    const bundle = assertOk(validateTlsBundle(pem(ecCert, ecKey, { hostname: "ec.example.com", now })));
    assert.equal(bundle.selfSigned, true);
    assert.deepEqual(bundle.sans, ["ec.example.com"]);
    assert.match(bundle.privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
  });

  test("an EC key with an RSA certificate, and an RSA key with an EC certificate, are mismatches", () => {
    assert.equal(onlyError(validateTlsBundle(pem(leaf.pem, ecKey))).code, "key_mismatch");
    assert.equal(
      onlyError(validateTlsBundle(pem(ecCert, leafKey.pem, { hostname: "ec.example.com", now }))).code,
      "key_mismatch",
    );
  });

  test("an OpenSSL 3 PKCS#12 (AES-256, SHA-256 MAC) with an EC key opens; a wrong password is named", () => {
    openssl("pkcs12", "-export", "-inkey", "ec.key", "-in", "ec.crt", "-passout", "pass:s3cret-pw", "-out", "ec.p12");
    const archive = readFileSync(join(dir, "ec.p12"));
    assertOk(validateTlsBundle({ kind: "pkcs12", pkcs12: archive, password: "s3cret-pw", hostname: "ec.example.com", now }));
    const error = onlyError(
      validateTlsBundle({ kind: "pkcs12", pkcs12: archive, password: "wrong", hostname: "ec.example.com", now }),
    );
    assert.equal(error.code, "password_wrong");
  });

  test("a PKCS#12 archive without a certificate (forge cannot make one)", () => {
    openssl("pkcs12", "-export", "-nocerts", "-inkey", "ec.key", "-passout", "pass:pw", "-out", "key-only.p12");
    const archive = readFileSync(join(dir, "key-only.p12"));
    const error = onlyError(
      validateTlsBundle({ kind: "pkcs12", pkcs12: archive, password: "pw", hostname: "ec.example.com", now }),
    );
    assert.equal(error.code, "pkcs12_no_certificate");
    assert.match(error.message, /holds no certificate/);
  });
});

describe("expiry", () => {
  const bundle = { notAfter: new Date("2026-07-01T00:00:00Z"), selfSigned: false };

  test("daysUntilExpiry counts whole days left, negative once expired", () => {
    assert.equal(daysUntilExpiry(bundle, new Date("2026-06-01T00:00:00Z")), 30);
    assert.equal(daysUntilExpiry(bundle, new Date("2026-06-30T12:00:00Z")), 0);
    assert.equal(daysUntilExpiry(bundle, new Date("2026-07-03T00:00:00Z")), -2);
  });

  test("needsRenewal: nothing before 30 days; then self-signed renews and custom warns", () => {
    assert.equal(needsRenewal(bundle, new Date("2026-05-01T00:00:00Z")).action, "none");
    assert.equal(needsRenewal(bundle, new Date("2026-06-01T00:00:00Z")).action, "none");
    const warn = needsRenewal(bundle, new Date("2026-06-02T00:00:00Z"));
    assert.equal(warn.action, "warn");
    assert.equal(warn.daysLeft, 29);
    assert.match(warn.message, /expires on 2026-07-01 00:00 UTC \(29 days left\); upload a renewed certificate/);
    assert.equal(needsRenewal({ ...bundle, selfSigned: true }, new Date("2026-06-02T00:00:00Z")).action, "renew");
    assert.match(needsRenewal(bundle, new Date("2026-08-01T00:00:00Z")).message, /expired on 2026-07-01/);
  });
});

test("no message carries key material or a password", () => {
  assert.ok(allMessages.length > 20, `only ${allMessages.length} messages were collected`);
  const secrets = ["hunter2", "correct horse", "battery staple", "s3cret-pw", "MII", "PRIVATE KEY-----\n"];
  for (const message of allMessages) {
    for (const secret of secrets) assert.ok(!message.includes(secret), `"${message}" contains "${secret}"`);
  }
});
