import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./appliance";

/**
 * A real git server over SSH for tests: OpenSSH's sshd (run as root, on a loopback port, with its own
 * host key and authorized_keys) serving bare repositories from a temp dir. Clients connect as
 * root@127.0.0.1 on `port`.
 */
export interface GitSshServer {
  port: number;
  dir: string;
  /** `ssh-ed25519 AAAA...` — the server's host public key. */
  hostPublicKey(): Promise<string>;
  /** Adds a key (`ssh-ed25519 AAAA... comment`) to authorized_keys. */
  authorize(publicKey: string): Promise<void>;
  /** A bare repository with one commit holding the given files (e.g. `.circleci/config.yml`). */
  createRepo(name: string, files: Record<string, string>, branch?: string): Promise<GitRepo>;
  /** Restarts sshd on the same port with a freshly generated host key (a "changed host key"). */
  replaceHostKey(): Promise<void>;
  stop(): Promise<void>;
}

export interface GitRepo {
  /** ssh://root@127.0.0.1:PORT/abs/path/name.git */
  url: string;
  bareDir: string;
  /** Commits the files (added or replaced; null removes one) on the branch and pushes; returns the commit. */
  commit(files: Record<string, string | null>, message: string, branch?: string): Promise<string>;
  /** Creates an annotated-free tag at the branch head and pushes it; returns the tagged commit. */
  tag(tag: string, branch?: string): Promise<string>;
  /** Installs an executable post-receive hook in the bare repo (runs on every push above). */
  installPostReceiveHook(script: string): Promise<void>;
  /** stdout+stderr of the pushes' hooks so far (what the pusher would see). */
  hookOutput(): string;
}

export async function startGitSshServer(): Promise<GitSshServer> {
  const dir = await mkdtemp(join(tmpdir(), "citadel-git-ssh-"));
  await chmod(dir, 0o755);
  await mkdir(join(dir, "repos"));
  await mkdir("/run/sshd", { recursive: true });
  const port = await freePort();
  const hostKey = join(dir, "ssh_host_ed25519_key");
  const authorizedKeys = join(dir, "authorized_keys");
  const config = join(dir, "sshd_config");
  await writeFile(authorizedKeys, "", { mode: 0o600 });
  await writeFile(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      "UsePAM no",
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      `AuthorizedKeysFile ${authorizedKeys}`,
      "StrictModes no",
      "LogLevel VERBOSE",
      "",
    ].join("\n"),
  );
  await newHostKey(hostKey);
  let sshd = await startSshd(config);
  let hookLog = "";

  const server: GitSshServer = {
    port,
    dir,
    hostPublicKey: async () => (await readFile(`${hostKey}.pub`, "utf8")).trim().split(" ").slice(0, 2).join(" "),
    authorize: async (publicKey) => {
      await writeFile(authorizedKeys, `${publicKey.trim()}\n`, { flag: "a" });
    },
    createRepo: async (name, files, branch = "main") => {
      const bareDir = join(dir, "repos", `${name}.git`);
      const workDir = join(dir, "work", name);
      await run("git", ["init", "--bare", "--quiet", "--initial-branch", branch, bareDir]);
      await run("git", ["init", "--quiet", "--initial-branch", branch, workDir]);
      await run("git", ["-C", workDir, "remote", "add", "origin", bareDir]);
      const repo: GitRepo = {
        url: `ssh://root@127.0.0.1:${port}${bareDir}`,
        bareDir,
        commit: async (changed, message, onBranch = branch) => {
          await run("git", ["-C", workDir, "checkout", "--quiet", "-B", onBranch]);
          for (const [path, text] of Object.entries(changed)) {
            if (text === null) {
              await rm(join(workDir, path), { force: true });
              continue;
            }
            await mkdir(join(workDir, path, ".."), { recursive: true });
            await writeFile(join(workDir, path), text);
          }
          await run("git", ["-C", workDir, "add", "--all"]);
          await run("git", ["-C", workDir, ...IDENTITY, "commit", "--quiet", "--allow-empty", "-m", message]);
          hookLog += await run("git", ["-C", workDir, "push", "--quiet", "origin", onBranch], { withStderr: true });
          return (await run("git", ["-C", workDir, "rev-parse", "HEAD"])).trim();
        },
        tag: async (tag, onBranch = branch) => {
          await run("git", ["-C", workDir, "tag", tag, onBranch]);
          hookLog += await run("git", ["-C", workDir, "push", "--quiet", "origin", `refs/tags/${tag}`], { withStderr: true });
          return (await run("git", ["-C", workDir, "rev-parse", `${tag}^{commit}`])).trim();
        },
        installPostReceiveHook: async (script) => {
          await writeFile(join(bareDir, "hooks", "post-receive"), script, { mode: 0o755 });
        },
        hookOutput: () => hookLog,
      };
      await repo.commit(files, "initial commit");
      return repo;
    },
    replaceHostKey: async () => {
      await stopSshd(sshd);
      await rm(hostKey, { force: true });
      await rm(`${hostKey}.pub`, { force: true });
      await newHostKey(hostKey);
      sshd = await startSshd(config);
    },
    stop: async () => {
      await stopSshd(sshd);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return server;
}

const IDENTITY = ["-c", "user.name=Citadel Test", "-c", "user.email=test@citadel.invalid", "-c", "commit.gpgsign=false"];

async function newHostKey(path: string): Promise<void> {
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "citadel-test-git-server", "-f", path]);
}

async function startSshd(config: string): Promise<ChildProcess> {
  const child = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", config], { stdio: ["ignore", "ignore", "pipe"] });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd did not start:\n${output}`)), 10_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Server listening on")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with ${code}:\n${output}`));
    });
  });
  // Keep draining stderr (connection logs) so sshd never blocks on a full pipe.
  child.stderr?.resume();
  return child;
}

function stopSshd(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

function run(command: string, args: string[], options: { withStderr?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: "utf8", env: { ...process.env, LC_ALL: "C" } }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${command} ${args.join(" ")} failed: ${stderr || error.message}`));
      resolve(options.withStderr ? stdout + stderr : stdout);
    });
  });
}
