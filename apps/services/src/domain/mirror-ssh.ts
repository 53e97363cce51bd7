import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SshSession {
  /** GIT_SSH_COMMAND using the deploy key and this session's known_hosts. */
  command: string;
  /** The known_hosts lines after the connection (the key recorded on first contact). */
  knownHosts(): Promise<string>;
  dispose(): Promise<void>;
}

/**
 * Writes the decrypted deploy key (0600) and a known_hosts file into a private temp dir for one git
 * command. Without a pinned key ssh records the server's key (`accept-new`); with one it must match
 * exactly (`yes`), so a changed host key is refused.
 */
export async function openSshSession(privateKey: string, pinnedHostKey: string | null): Promise<SshSession> {
  const dir = await mkdtemp(join(tmpdir(), "citadel-ssh-"));
  const keyFile = join(dir, "deploy_key");
  const knownHostsFile = join(dir, "known_hosts");
  await writeFile(keyFile, privateKey, { mode: 0o600 });
  await writeFile(knownHostsFile, pinnedHostKey ? `${pinnedHostKey.trim()}\n` : "", { mode: 0o600 });
  const options = [
    "-F /dev/null",
    `-i ${quote(keyFile)}`,
    "-o IdentitiesOnly=yes",
    "-o BatchMode=yes",
    "-o ConnectTimeout=20",
    `-o UserKnownHostsFile=${quote(knownHostsFile)}`,
    "-o GlobalKnownHostsFile=/dev/null",
    "-o HashKnownHosts=no",
    `-o StrictHostKeyChecking=${pinnedHostKey ? "yes" : "accept-new"}`,
  ];
  return {
    command: `ssh ${options.join(" ")}`,
    knownHosts: async () => (await readFile(knownHostsFile, "utf8")).trim(),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

function quote(path: string): string {
  return `'${path.replaceAll("'", "'\\''")}'`;
}

/** `SHA256:...` fingerprints of the keys in known_hosts lines, as ssh-keygen -l prints them. */
export function hostKeyFingerprints(knownHosts: string): string[] {
  return knownHosts
    .split("\n")
    .map((line) => line.trim().split(/\s+/)[2])
    .filter((key): key is string => Boolean(key))
    .map((key) => `SHA256:${createHash("sha256").update(Buffer.from(key, "base64")).digest("base64").replace(/=+$/, "")}`);
}
