import forge from "node-forge";

export interface CertificatePair {
  certPem: string;
  keyPem: string;
}

/** A self-signed RSA certificate for the given names (DNS names or IP addresses). */
export function createSelfSignedCertificate(names: string[], validDays = 365): CertificatePair {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + validDays * 86_400_000);
  const subject = [
    { name: "commonName", value: names[0] ?? "localhost" },
    { name: "organizationName", value: "Citadel" },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: names.map((name) => (isIpAddress(name) ? { type: 7, ip: name } : { type: 2, value: name })),
    },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

function isIpAddress(name: string): boolean {
  return /^[\d.]+$/.test(name) || name.includes(":");
}
