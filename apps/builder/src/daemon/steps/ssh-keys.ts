import type { AddSshKeysStep } from "@citadel/pipeline";
import type { BuiltInOutcome, StepContext } from "./step-context";

/**
 * add_ssh_keys: the project's additional keys (all, or those whose MD5 or SHA-256 fingerprint the
 * step names) written to ~/.ssh/id_citadel_N (0600) with a `Host` entry each in ~/.ssh/config, as
 * CircleCI does. Keys travel in the exec's environment like the job's other secrets, never in its log.
 */
export async function addSshKeys(step: AddSshKeysStep, ctx: StepContext): Promise<BuiltInOutcome> {
  const wanted = step.fingerprints.map((f) => f.trim());
  const keys = ctx.job.sshKeys.filter(
    (key) => wanted.length === 0 || key.fingerprints.some((fingerprint) => wanted.includes(fingerprint)),
  );
  const missing = wanted.filter((f) => !ctx.job.sshKeys.some((key) => key.fingerprints.includes(f)));
  if (missing.length > 0) {
    ctx.out.write(`No SSH key with fingerprint ${missing.join(", ")} is configured for this project.\n`);
    return "failed";
  }
  if (keys.length === 0) {
    ctx.out.write("This project has no additional SSH keys (add them with `citadel project ssh-key add`).\n");
    return "success";
  }
  const env: Record<string, string> = {};
  const lines = ["set -e", "umask 077", 'mkdir -p "$HOME/.ssh"', 'chmod 700 "$HOME/.ssh"'];
  keys.forEach((key, index) => {
    env[`CITADEL_SSH_KEY_${index}`] = key.privateKey.endsWith("\n") ? key.privateKey : `${key.privateKey}\n`;
    const file = `$HOME/.ssh/id_citadel_${index}`;
    lines.push(`printf '%s' "$CITADEL_SSH_KEY_${index}" > "${file}"`);
    lines.push(
      `printf 'Host %s\\n  IdentitiesOnly no\\n  IdentityFile %s\\n' '${key.hostname || "*"}' "${file}" >> "$HOME/.ssh/config"`,
    );
  });
  let output = "";
  const result = await ctx.sandbox.exec(lines.join("\n"), {
    env,
    shell: ["/bin/sh"],
    onOutput: (_stream, chunk) => {
      output += chunk;
    },
  });
  if (result.exitCode !== 0) {
    ctx.out.write(`Could not install the SSH keys in the job's container: ${output.trim()}\n`);
    return "failed";
  }
  for (const key of keys) ctx.out.write(`Added SSH key ${key.fingerprints[0]} for host ${key.hostname || "*"}\n`);
  return "success";
}
