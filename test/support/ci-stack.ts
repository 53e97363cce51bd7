// The whole product for end-to-end tests, all real: a Git server over SSH, the appliance (console and
// services box, headlessly installed), a project whose post-receive hook calls the webhook, and
// builder daemons started as a builder box runs them.
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { openDatabase } from "@citadel/db";
import { certificates } from "@citadel/db/schema";
import { postReceiveHookScript } from "@citadel/projects";
import { eq } from "drizzle-orm";
import { pino } from "pino";
import { REPO_ROOT } from "./appliance";
import { type GitRepo, startGitSshServer } from "./git-ssh-server";
import { startInstalledAppliance } from "./installed-appliance";

const run = promisify(execFile);

export interface BuilderDaemon {
  readonly dataDir: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
  /** circle-shutdown against this daemon; resolves with its stdout. */
  shutdown(...args: string[]): Promise<string>;
}

export type CiStack = Awaited<ReturnType<typeof startCiStack>>;

/** Everything up to a project with a webhook; `cleanup` collects what the test's `after` undoes. */
export async function startCiStack(
  options: { slug: string; config: string; servicesEnv?: Record<string, string> },
  cleanup: Array<() => Promise<unknown>>,
) {
  const git = await startGitSshServer();
  cleanup.push(() => git.stop());
  const installed = await startInstalledAppliance({}, options.servicesEnv ?? {});
  cleanup.push(() => installed.destroy());
  const { dataDir, env, ports } = installed;
  const citadel = async (...args: string[]) =>
    (await run(process.execPath, ["apps/console/bin/citadel.mjs", ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env } }))
      .stdout;

  const name = options.slug.split("/").pop() ?? "repo";
  const repo: GitRepo = await git.createRepo(name, { ".circleci/config.yml": options.config, "greeting.txt": "hello" });
  const added = await citadel("project", "add", "--slug", options.slug, "--git-url", repo.url);
  const deployKey = /^\s+(ssh-ed25519 \S+.*)$/m.exec(added)?.[1];
  const webhookUrl = /^Webhook URL:\s+(\S+)$/m.exec(added)?.[1];
  const webhookSecret = /^Webhook secret:\s+(\S+)$/m.exec(added)?.[1];
  assert.ok(deployKey && webhookUrl && webhookSecret, added);
  await git.authorize(deployKey);
  const token = (await citadel("token", "create", "--name", "e2e")).trim();
  const db = await openDatabase({ logger: pino({ level: "silent" }), dataDir, embedded: "attach" });
  cleanup.push(() => db.close());
  const [certificate] = await db.db.select().from(certificates).where(eq(certificates.active, true));
  assert.ok(certificate);
  const caFile = join(dataDir, "services-ca.pem");
  await writeFile(caFile, certificate.certificatePem);
  await repo.installPostReceiveHook(postReceiveHookScript(webhookUrl, webhookSecret, { caCertPath: caFile }));

  /** API v2 (and artifact URLs) with the user's token. */
  const api = (path: string, init: { method?: string; body?: unknown } = {}) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
      request(
        {
          host: "localhost",
          port: ports.https,
          path,
          method: init.method ?? "GET",
          ca: certificate.certificatePem,
          headers: { "Circle-Token": token, ...(payload ? { "Content-Type": "application/json" } : {}) },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => {
            text += c;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        },
      )
        .on("error", reject)
        .end(payload);
    });

  /** A builder daemon as a builder box runs it (this 2-CPU box is below one default slot: --slots 1). */
  async function startBuilder(builderDir?: string): Promise<BuilderDaemon> {
    const dir = builderDir ?? (await mkdtemp(join(tmpdir(), "citadel-builder-")));
    if (!builderDir) cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const joinToken = (await citadel("builder", "join-token")).trim();
    const child = spawn(
      process.execPath,
      [
        "apps/builder/bin/citadel-builder.mjs",
        "--join-token",
        joinToken,
        "--data-dir",
        dir,
        "--slots",
        "1",
        "--job-network",
        "none",
      ],
      { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env } },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    cleanup.push(async () => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"));
    const readyBefore = output.split('"msg":"builder ready"').length;
    for (let i = 0; i < 120 && output.split('"msg":"builder ready"').length === readyBefore; i++) {
      if (child.exitCode !== null) assert.fail(`the builder daemon exited: ${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.match(output, /builder ready/);
    return {
      dataDir: dir,
      child,
      exited,
      output: () => output,
      shutdown: async (...args) =>
        (await run(process.execPath, ["apps/builder/bin/circle-shutdown.mjs", "--data-dir", dir, ...args], { cwd: REPO_ROOT }))
          .stdout,
    };
  }

  /** Polls until `check` returns a value (not undefined), or fails with `what` after timeoutMs. */
  async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const value = await check();
      if (value !== undefined) return value;
      await new Promise((r) => setTimeout(r, 500));
    }
    const logs = await db.sql<{ data: string }[]>`select data from log_chunks order by created_at, seq`;
    const jobs = await db.sql`select name, status, attempt, status_reason from jobs order by created_at`;
    return assert.fail(
      `timed out waiting for ${what}; jobs: ${JSON.stringify(jobs)}\njob output:\n${logs.map((l) => l.data).join("")}`,
    );
  }

  /** The newest pipeline's workflow once it has stopped; `notId` skips one seen before (a new push is awaited). */
  const finishedWorkflow = (notId?: string) =>
    waitFor("the workflow to finish", async () => {
      const [row] = await db.sql<{ id: string; status: string }[]>`
        select w.id, w.status from workflows w order by w.created_at desc limit 1`;
      return row && row.id !== notId && ["success", "failed", "error", "canceled"].includes(row.status) ? row : undefined;
    });

  return { git, repo, installed, db, token, api, citadel, startBuilder, waitFor, finishedWorkflow };
}
