import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import forge from "node-forge";
import { reason } from "./pem";
import { fail, type Step } from "./types";

// node-forge decodes PKCS#12 (Node's crypto has no PKCS#12 reader), including OpenSSL 3's default
// AES-256/PBKDF2 + HMAC-SHA256 files. Forge only understands RSA keys and certificates, so every bag is
// handed to Node's crypto as DER: forge's decoded object when it has one, else the raw ASN.1 it keeps.

export interface Pkcs12Contents {
  key: KeyObject;
  /** Every certificate in the archive, unordered (PKCS#12 keeps no order). */
  certificates: X509Certificate[];
}

/** PKCS#12 bag types (RFC 7292 §4.2). */
const KEY_BAG = "1.2.840.113549.1.12.10.1.1";
const SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2";
const CERT_BAG = "1.2.840.113549.1.12.10.1.3";

export function readPkcs12(archive: Buffer, password: string): Step<Pkcs12Contents> {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(archive.toString("binary")));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch (error) {
    const message = reason(error);
    if (/MAC could not be verified|wrong password|Invalid password/i.test(message)) {
      return fail("password", "password_wrong", "The PKCS#12 password is wrong.");
    }
    if (/unsupported|not supported/i.test(message)) {
      return fail("pkcs12", "pkcs12_unsupported", `The PKCS#12 file uses a format this appliance cannot read (${message}).`);
    }
    return fail("pkcs12", "pkcs12_invalid", "The file is not a PKCS#12 archive (.p12 / .pfx).");
  }
  try {
    const keyBags = [...bagsOf(p12, SHROUDED_KEY_BAG), ...bagsOf(p12, KEY_BAG)];
    const certBags = bagsOf(p12, CERT_BAG);
    if (keyBags.length === 0) return fail("pkcs12", "pkcs12_no_key", "The PKCS#12 file holds no private key.");
    if (certBags.length === 0) return fail("pkcs12", "pkcs12_no_certificate", "The PKCS#12 file holds no certificate.");
    if (keyBags.length > 1) {
      return fail(
        "pkcs12",
        "key_multiple",
        `The PKCS#12 file holds ${keyBags.length} private keys; export only the certificate's own.`,
      );
    }
    const key = createPrivateKey({ key: keyDer(keyBags[0] as forge.pkcs12.Bag), format: "der", type: "pkcs8" });
    return { ok: true, value: { key, certificates: certBags.map((bag) => new X509Certificate(certificateDer(bag))) } };
  } catch (error) {
    return fail("pkcs12", "pkcs12_invalid", `The PKCS#12 file opened but its contents could not be read (${reason(error)}).`);
  }
}

function bagsOf(p12: forge.pkcs12.Pkcs12Pfx, bagType: string): forge.pkcs12.Bag[] {
  return p12.getBags({ bagType })[bagType] ?? [];
}

function toBuffer(asn1: forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), "binary");
}

function keyDer(bag: forge.pkcs12.Bag): Buffer {
  if (bag.key) return toBuffer(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key)));
  if (bag.asn1) return toBuffer(bag.asn1);
  throw new Error("a key bag without a key");
}

function certificateDer(bag: forge.pkcs12.Bag): Buffer {
  if (bag.cert) return toBuffer(forge.pki.certificateToAsn1(bag.cert));
  if (bag.asn1) return toBuffer(bag.asn1);
  throw new Error("a certificate bag without a certificate");
}

/** The certificate that belongs to the key (first in the archive when none does: the mismatch is reported later). */
export function orderPkcs12(contents: Pkcs12Contents): X509Certificate[] {
  const { key, certificates } = contents;
  const leaf = certificates.find((cert) => cert.checkPrivateKey(key)) ?? (certificates[0] as X509Certificate);
  const ordered = [leaf];
  const rest = certificates.filter((cert) => cert !== leaf);
  for (let current = leaf; ; ) {
    const next = rest.findIndex((cert) => current.checkIssued(cert) && current.verify(cert.publicKey) && cert !== current);
    if (next === -1) break;
    current = rest.splice(next, 1)[0] as X509Certificate;
    ordered.push(current);
  }
  // Certificates that are not part of the leaf's chain stay at the end, where the chain check names them.
  return [...ordered, ...rest];
}
