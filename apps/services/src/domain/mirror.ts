import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { DbOrTx } from "@citadel/db";
import type { Project } from "@citadel/db/schema";
import type { Keyring } from "@citadel/keyring";
import { pinnedHostKey, recordHostKey } from "@citadel/projects";
import type { Logger } from "pino";
import {
  GitCommandError,
  HostKeyChangedError,
  MirrorAuthError,
  MirrorUnreachableError,
  NoConfigError,
  NoSuchRevisionError,
} from "./mirror-errors";
import { hostKeyFingerprints, openSshSession } from "./mirror-ssh";

export interface MirrorDeps {
  db: DbOrTx;
  keyring: Keyring;
  dataDir: string;
  logger: Logger;
}

export function mirrorPath(dataDir: string, projectId: string): string {
  return join(dataDir, "mirrors", `${projectId}.git`);
}

// Two pushes arriving together must not run two fetches into one repository (git's ref locks would
// fail one of them): fetches of a project run one after another within this process.
const fetchChains = new Map<string, Promise<unknown>>();

/**
 * Brings the project's bare mirror up to date (cloning it on first use) and returns its path. The
 * SSH host key seen on first contact is stored in the project and pinned from then on.
 */
export async function syncMirror(deps: MirrorDeps, project: Project): Promise<string> {
  const previous = fetchChains.get(project.id) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => fetchOnce(deps, project));
  fetchChains.set(project.id, run);
  try {
    return await run;
  } finally {
    if (fetchChains.get(project.id) === run) fetchChains.delete(project.id);
  }
}

async function fetchOnce(deps: MirrorDeps, project: Project): Promise<string> {
  const dir = mirrorPath(deps.dataDir, project.id);
  // The caller's row may predate the first contact of a fetch queued before this one: use the stored pin.
  const pinned = await pinnedHostKey(deps.db, project.id);
  const ssh = await openSshSession(deps.keyring.decrypt(project.deployPrivateKeyEncrypted), pinned);
  try {
    const env = { GIT_SSH_COMMAND: ssh.command };
    try {
      if (existsSync(dir)) {
        await git(["-C", dir, "fetch", "--prune", "--quiet", "origin"], { env, timeoutMs: 300_000 });
      } else {
        await mkdir(join(deps.dataDir, "mirrors"), { recursive: true });
        // Clone beside the final path and rename, so an interrupted clone never looks like a mirror.
        const partial = `${dir}.partial-${process.pid}-${Date.now()}`;
        try {
          await git(["clone", "--mirror", "--quiet", "--", project.gitUrl, partial], { env, timeoutMs: 600_000 });
          await rename(partial, dir);
        } finally {
          await rm(partial, { recursive: true, force: true });
        }
      }
    } catch (error) {
      throw classifyTransportError(error, project, pinned);
    } finally {
      if (!pinned) await pinFirstHostKey(deps, project, await ssh.knownHosts());
    }
    return dir;
  } finally {
    await ssh.dispose();
  }
}

async function pinFirstHostKey(deps: MirrorDeps, project: Project, knownHosts: string): Promise<void> {
  if (!knownHosts || !(await recordHostKey(deps.db, project.id, knownHosts))) return;
  deps.logger.info(
    { project: project.slug, hostKey: hostKeyFingerprints(knownHosts) },
    "pinned the git server's SSH host key on first contact",
  );
}

function classifyTransportError(error: unknown, project: Project, pinned: string | null): Error {
  if (!(error instanceof GitCommandError)) return error instanceof Error ? error : new Error(String(error));
  const text = error.message;
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/.test(text) && pinned) {
    return new HostKeyChangedError(project.slug, hostKeyFingerprints(pinned).join(", "));
  }
  if (/Permission denied \(publickey/.test(text)) return new MirrorAuthError(project.slug);
  if (/Could not resolve hostname|Connection refused|Connection timed out|No route to host|Connection closed/.test(text)) {
    return new MirrorUnreachableError(`Cannot reach the git server of ${project.slug} (${project.gitUrl}): ${text}`);
  }
  return new GitCommandError(`Fetching ${project.slug} from ${project.gitUrl} failed: ${text}`);
}

/** The commit a branch, tag or commit id names in the mirror. */
export async function resolveRevision(
  mirrorDir: string,
  ref: { branch?: string | undefined; tag?: string | undefined; revision?: string | undefined },
): Promise<string> {
  const name = ref.revision
    ? ref.revision
    : ref.tag !== undefined
      ? `refs/tags/${ref.tag}`
      : ref.branch !== undefined
        ? `refs/heads/${ref.branch}`
        : "HEAD";
  if (ref.revision && !/^[0-9a-f]{4,64}$/i.test(ref.revision)) throw new NoSuchRevisionError(ref.revision);
  if (name.startsWith("-")) throw new NoSuchRevisionError(name);
  try {
    return (await git(["-C", mirrorDir, "rev-parse", "--verify", "--quiet", "--end-of-options", `${name}^{commit}`])).trim();
  } catch (error) {
    if (error instanceof GitCommandError) throw new NoSuchRevisionError(describeRef(ref));
    throw error;
  }
}

function describeRef(ref: { branch?: string | undefined; tag?: string | undefined; revision?: string | undefined }): string {
  if (ref.revision) return `commit ${ref.revision}`;
  if (ref.tag !== undefined) return `tag ${ref.tag}`;
  return ref.branch !== undefined ? `branch ${ref.branch}` : "HEAD";
}

/** `.circleci/config.yml` as committed at the revision (a full commit id from resolveRevision). */
export async function readConfigAt(mirrorDir: string, revision: string): Promise<string> {
  try {
    return await git(["-C", mirrorDir, "show", `${revision}:.circleci/config.yml`], { maxBuffer: 4 * 1024 * 1024 });
  } catch (error) {
    if (error instanceof GitCommandError && /does not exist|exists on disk, but not in/.test(error.message)) {
      throw new NoConfigError(revision);
    }
    if (error instanceof GitCommandError && /invalid object name|bad revision|unknown revision/.test(error.message)) {
      throw new NoSuchRevisionError(`commit ${revision}`);
    }
    throw error;
  }
}

/** The first line of the commit message (the pipeline's commit subject). */
export async function commitSubject(mirrorDir: string, revision: string): Promise<string> {
  return (await git(["-C", mirrorDir, "log", "-1", "--format=%s", revision, "--"])).trim();
}

function git(
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number; maxBuffer?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      {
        env: { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C", ...options.env },
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: options.maxBuffer ?? 1024 * 1024,
        encoding: "utf8",
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const tail = stderr.trim().split("\n").slice(-6).join("\n") || error.message;
        reject(new GitCommandError(tail));
      },
    );
  });
}
