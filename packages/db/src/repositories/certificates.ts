import { eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../connect";
import { type CertificateRow, certificates } from "../schema/certificates";

/** The keyring's two operations, passed in: packages/db imports nothing of ours. */
export interface Sealer {
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
}

/** What a validated certificate bundle gives us to store (the console validates it first). */
export interface CertificateBundle {
  certificatePem: string;
  chainPem: string;
  privateKeyPem: string;
  sans: string[];
  notBefore: Date;
  notAfter: Date;
  fingerprintSha256: string;
  selfSigned: boolean;
}

export interface ActiveCertificate {
  id: string;
  /** Leaf followed by its chain, as a TLS server sends it. */
  certPem: string;
  keyPem: string;
  fingerprintSha256: string;
  hostnames: string[];
  notAfter: Date;
  selfSigned: boolean;
}

/** Channel on which the console announces a new active certificate (the services box reloads). */
export const TLS_CHANGED_CHANNEL = "citadel_tls_changed";

/** Stores a validated bundle (key encrypted) and makes it the one active certificate. */
export async function activateCertificate(db: DbOrTx, keyring: Sealer, bundle: CertificateBundle): Promise<string> {
  return db.transaction(async (tx) => {
    await tx.update(certificates).set({ active: false }).where(eq(certificates.active, true));
    const [row] = await tx
      .insert(certificates)
      .values({
        certificatePem: bundle.certificatePem,
        chainPem: bundle.chainPem,
        privateKeyEncrypted: keyring.encrypt(bundle.privateKeyPem),
        fingerprintSha256: bundle.fingerprintSha256,
        hostnames: bundle.sans,
        notBefore: bundle.notBefore,
        notAfter: bundle.notAfter,
        selfSigned: bundle.selfSigned,
        active: true,
      })
      .returning({ id: certificates.id });
    await tx.execute(sql`select pg_notify(${TLS_CHANGED_CHANNEL}, ${bundle.fingerprintSha256})`);
    if (!row) throw new Error("inserting the certificate returned no row");
    return row.id;
  });
}

export async function activeCertificate(db: DbOrTx, keyring: Sealer): Promise<ActiveCertificate | null> {
  const [row] = await db.select().from(certificates).where(eq(certificates.active, true));
  return row ? toActive(row, keyring) : null;
}

function toActive(row: CertificateRow, keyring: Sealer): ActiveCertificate {
  const chain = row.chainPem.trim();
  return {
    id: row.id,
    certPem: chain ? `${row.certificatePem.trim()}\n${chain}\n` : row.certificatePem,
    keyPem: keyring.decrypt(row.privateKeyEncrypted),
    fingerprintSha256: row.fingerprintSha256,
    hostnames: row.hostnames,
    notAfter: row.notAfter,
    selfSigned: row.selfSigned,
  };
}
