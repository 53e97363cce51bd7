import type { DbOrTx, Sealer } from "@citadel/db";
import { projectSshKeys } from "@citadel/db/schema";
import { and, asc, eq } from "drizzle-orm";
import sshpk from "sshpk";

/** A private key that cannot be used for jobs; the message says why, without the key. */
export class InvalidSshKeyError extends Error {
  override name = "InvalidSshKeyError";
}

export interface ProjectSshKeyInfo {
  id: string;
  hostname: string;
  fingerprintMd5: string;
  fingerprintSha256: string;
  publicKey: string;
}

const HOSTNAME = /^[A-Za-z0-9.*?-]{0,253}$/;

/**
 * Adds an additional SSH key for the project's jobs (`add_ssh_keys`). OpenSSH or PEM private keys,
 * unencrypted; stored keyring-encrypted, named by its MD5 and SHA-256 fingerprints. Adding the same
 * key again replaces its hostname.
 */
export async function addProjectSshKey(
  db: DbOrTx,
  sealer: Sealer,
  input: { projectId: string; hostname: string; privateKey: string },
): Promise<ProjectSshKeyInfo> {
  const hostname = input.hostname.trim();
  if (!HOSTNAME.test(hostname)) throw new InvalidSshKeyError(`hostname: "${hostname}" is not a host name or pattern`);
  let key: sshpk.PrivateKey;
  try {
    key = sshpk.parsePrivateKey(input.privateKey, "auto");
  } catch (error) {
    const encrypted = (error as Error).name === "KeyEncryptedError";
    throw new InvalidSshKeyError(
      encrypted
        ? "the private key is protected by a passphrase; jobs cannot type it: add a key without one"
        : "not an SSH private key (expected OpenSSH or PEM format)",
    );
  }
  const values = {
    projectId: input.projectId,
    hostname,
    fingerprintMd5: key.fingerprint("md5").toString("hex"),
    fingerprintSha256: key.fingerprint("sha256").toString(),
    publicKey: key.toPublic().toString("ssh"),
    privateKeyEncrypted: sealer.encrypt(key.toString("openssh")),
  };
  const [row] = await db
    .insert(projectSshKeys)
    .values(values)
    .onConflictDoUpdate({
      target: [projectSshKeys.projectId, projectSshKeys.fingerprintSha256],
      set: { hostname, privateKeyEncrypted: values.privateKeyEncrypted },
    })
    .returning();
  if (!row) throw new Error("storing the SSH key returned no row");
  return info(row);
}

export async function listProjectSshKeys(db: DbOrTx, projectId: string): Promise<ProjectSshKeyInfo[]> {
  const rows = await db
    .select()
    .from(projectSshKeys)
    .where(eq(projectSshKeys.projectId, projectId))
    .orderBy(asc(projectSshKeys.createdAt));
  return rows.map(info);
}

export async function removeProjectSshKey(db: DbOrTx, projectId: string, fingerprint: string): Promise<boolean> {
  const column = fingerprint.startsWith("SHA256:") ? projectSshKeys.fingerprintSha256 : projectSshKeys.fingerprintMd5;
  const removed = await db
    .delete(projectSshKeys)
    .where(and(eq(projectSshKeys.projectId, projectId), eq(column, fingerprint)))
    .returning({ id: projectSshKeys.id });
  return removed.length > 0;
}

/** The keys with their private halves, for a claimed job's spec only. */
export async function projectSshKeysForJob(db: DbOrTx, sealer: Sealer, projectId: string) {
  const rows = await db.select().from(projectSshKeys).where(eq(projectSshKeys.projectId, projectId));
  return rows.map((row) => ({
    hostname: row.hostname,
    fingerprints: [row.fingerprintMd5, row.fingerprintSha256],
    privateKey: sealer.decrypt(row.privateKeyEncrypted),
  }));
}

function info(row: typeof projectSshKeys.$inferSelect): ProjectSshKeyInfo {
  return {
    id: row.id,
    hostname: row.hostname,
    fingerprintMd5: row.fingerprintMd5,
    fingerprintSha256: row.fingerprintSha256,
    publicKey: row.publicKey,
  };
}
