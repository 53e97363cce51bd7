import { addProjectSshKey, findProject, InvalidSshKeyError, listProjectSshKeys, removeProjectSshKey } from "@citadel/projects";
import { recordAudit } from "../domain/audit";
import { openCliDatabase } from "./database";
import { CliError, readStdin } from "./io";

export const SSH_KEY_USAGE = `  citadel project ssh-key add --slug SLUG [--hostname HOST] < private-key
  citadel project ssh-key list --slug SLUG
  citadel project ssh-key remove --slug SLUG --fingerprint FINGERPRINT`;

/** `citadel project ssh-key …`: additional SSH keys the project's jobs get with `add_ssh_keys`. */
export async function sshKeyCommand(
  command: string | undefined,
  values: { slug: string; hostname?: string | undefined; fingerprint?: string | undefined },
): Promise<number> {
  if (command === "add" && process.stdin.isTTY) {
    throw new CliError("give the private key on standard input, e.g. citadel project ssh-key add --slug SLUG < id_ed25519", 2);
  }
  if (command === "remove" && !values.fingerprint) throw new CliError("--fingerprint is required", 2);
  if (!["add", "list", "remove"].includes(command ?? "")) throw new CliError(`usage:\n${SSH_KEY_USAGE}`, 2);
  const cli = await openCliDatabase();
  try {
    const db = cli.database.db;
    const project = await findProject(db, values.slug);
    if (!project) throw new CliError(`no project ${values.slug}`, 1);
    if (command === "add") {
      const key = await addProjectSshKey(db, cli.keyring, {
        projectId: project.id,
        hostname: values.hostname ?? "",
        privateKey: await readStdin(),
      }).catch((error: unknown) => {
        throw error instanceof InvalidSshKeyError ? new CliError(error.message) : error;
      });
      await recordAudit(db, {
        actor: "cli",
        action: "project.ssh-key.add",
        target: project.slug,
        details: { fingerprint: key.fingerprintSha256 },
      });
      process.stdout.write(`Added SSH key ${key.fingerprintMd5} (${key.fingerprintSha256}) for host ${key.hostname || "*"}.\n`);
    } else if (command === "list") {
      for (const key of await listProjectSshKeys(db, project.id)) {
        process.stdout.write(`${key.fingerprintMd5}  ${key.fingerprintSha256}  ${key.hostname || "*"}\n`);
      }
    } else {
      const fingerprint = values.fingerprint ?? "";
      if (!(await removeProjectSshKey(db, project.id, fingerprint)))
        throw new CliError(`no SSH key ${fingerprint} in ${project.slug}`);
      await recordAudit(db, { actor: "cli", action: "project.ssh-key.remove", target: project.slug, details: { fingerprint } });
      process.stdout.write(`Removed SSH key ${fingerprint}.\n`);
    }
    return 0;
  } finally {
    await cli.close();
  }
}
