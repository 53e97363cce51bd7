import { execFile } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { promisify } from "node:util";
import type { JobSpec } from "@citadel/protocol";

const run = promisify(execFile);

export class CheckoutError extends Error {
  override name = "CheckoutError";
}

/**
 * Fetches the job's exact commit over SSH on the builder host, with the project's deploy key and
 * the pinned host key, and returns the tree (with its .git) as a tar stream for the container.
 * The deploy key never enters the job container. Call cleanup() when the stream is consumed.
 */
export async function fetchCheckout(job: JobSpec): Promise<{ tar: Readable; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "citadel-checkout-"));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const keyFile = join(dir, "deploy-key");
    const knownHosts = join(dir, "known_hosts");
    await writeFile(
      keyFile,
      job.checkout.deployPrivateKey.endsWith("\n") ? job.checkout.deployPrivateKey : `${job.checkout.deployPrivateKey}\n`,
      {
        mode: 0o600,
      },
    );
    await writeFile(knownHosts, job.checkout.sshHostKey ? `${job.checkout.sshHostKey.trim()}\n` : "", { mode: 0o600 });
    const ssh = [
      "ssh",
      "-i",
      keyFile,
      "-o",
      "IdentitiesOnly=yes",
      "-o",
      `UserKnownHostsFile=${knownHosts}`,
      "-o",
      // Pinned when the services box saw the host first; otherwise the first key is accepted.
      `StrictHostKeyChecking=${job.checkout.sshHostKey ? "yes" : "accept-new"}`,
      "-o",
      "BatchMode=yes",
    ].join(" ");
    const tree = join(dir, "tree");
    const env = { ...process.env, GIT_SSH_COMMAND: ssh, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" };
    const git = (...args: string[]) => run("git", args, { cwd: tree, env, maxBuffer: 16 * 1024 * 1024 });
    await run("git", ["init", "-q", tree], { env });
    await git("remote", "add", "origin", job.git.url);
    const ref = job.git.tag ? `refs/tags/${job.git.tag}` : `refs/heads/${job.git.branch ?? "main"}`;
    if (job.git.revision) {
      const direct = await git("fetch", "-q", "--depth", "1", "origin", job.git.revision).then(
        () => null,
        (error: unknown) => error,
      );
      if (direct !== null) {
        // Servers refuse a commit no ref points at any more (the branch moved on since the push):
        // fetch the ref's history, which still holds it. If that fails too, both reasons are told.
        await git("fetch", "-q", "origin", ref).catch((error: { stderr?: string }) => {
          error.stderr = `${(direct as { stderr?: string }).stderr ?? ""}\n${error.stderr ?? ""}`.trim();
          throw error;
        });
      }
      await git("checkout", "-q", "--detach", job.git.revision);
    } else {
      await git("fetch", "-q", "--depth", "1", "origin", ref);
      await git("checkout", "-q", "--detach", "FETCH_HEAD");
    }
    if (job.git.branch) await git("checkout", "-q", "-B", job.git.branch);
    // A finished file rather than a pipe: a tar that fails is an error here, not a short stream later.
    const archive = join(dir, "checkout.tar");
    await run("tar", ["-C", tree, "-cf", archive, "."]);
    return { tar: createReadStream(archive), cleanup };
  } catch (error) {
    await cleanup();
    const stderr = (error as { stderr?: string }).stderr?.trim().split("\n").slice(-4).join(" ") ?? (error as Error).message;
    throw new CheckoutError(
      `checkout of ${job.git.url} at ${job.git.revision ?? job.git.branch ?? job.git.tag} failed: ${stderr}`,
    );
  }
}
