import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { ensureUser, issueApiToken } from "@citadel/db";
import { jobs, pipelines, projects, workflows } from "@citadel/db/schema";
import { loadTrustStore } from "@citadel/license";
import { pino } from "pino";
import { type TestDatabase, testDatabase } from "../../../test/support/database";
import type { ServicesContext } from "../src/app-context";
import { parseServicesEnv } from "../src/env";
import { createHttpsListener, listen } from "../src/http/listeners";
import { createRouter } from "../src/http/router";
import { allRoutes } from "../src/routes/index";

const run = promisify(execFile);

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: responses are checked field by field against CircleCI's shapes
  json: any;
}

export interface TestServices {
  test: TestDatabase;
  ctx: ServicesContext;
  /** Every log line the services box wrote. */
  logs: string[];
  /** A valid token of the user `admin`. */
  token: string;
  call(
    method: string,
    path: string,
    options?: { token?: string | null; body?: string | Buffer; headers?: Record<string, string> },
  ): Promise<ApiResponse>;
  close(): Promise<void>;
}

/** A real services box router on a real HTTPS listener (self-signed, loopback, free port) over a real database. */
export async function startTestServices(): Promise<TestServices> {
  const test = await testDatabase();
  const tlsDir = join(test.dataDir, "tls-test");
  await run("mkdir", ["-p", tlsDir]);
  await run("openssl", [
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"],
    ...["-keyout", join(tlsDir, "key.pem"), "-out", join(tlsDir, "cert.pem"), "-subj", "/CN=localhost"],
    ...["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
  ]);
  const cert = await readFile(join(tlsDir, "cert.pem"), "utf8");
  const key = await readFile(join(tlsDir, "key.pem"), "utf8");
  // Everything the services box logs, to show that no secret ever reaches a log line.
  const logs: string[] = [];
  const logger = pino({ level: "trace" }, { write: (line: string) => void logs.push(line) });
  const ctx: ServicesContext = {
    env: parseServicesEnv({ CITADEL_DATA_DIR: test.dataDir, CITADEL_DATABASE_URL: "postgres://unused@localhost/unused" }),
    database: test.database,
    db: test.database.db,
    keyring: test.keyring,
    trust: await loadTrustStore({}),
    objectsDir: join(test.dataDir, "objects"),
    logger,
  };
  const server = createHttpsListener({ cert, key }, createRouter(allRoutes(ctx), logger), logger);
  await listen(server, 0, "127.0.0.1", "CITADEL_HTTPS_PORT");
  const port = (server.address() as AddressInfo).port;
  const admin = await ensureUser(ctx.db, { login: "admin", name: "Administrator", isAdmin: true });
  const { token } = await issueApiToken(ctx.db, { userId: admin.id, name: "tests" });

  const call: TestServices["call"] = (method, path, options = {}) =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...options.headers };
      const presented = options.token === undefined ? token : options.token;
      if (presented !== null) headers["Circle-Token"] = presented;
      if (options.body !== undefined) headers["Content-Type"] ??= "application/json";
      const req = httpsRequest({ host: "127.0.0.1", port, path, method, headers, ca: cert, servername: "localhost" }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      });
      req.on("error", reject);
      req.end(options.body);
    });

  return {
    test,
    ctx,
    logs,
    token,
    call,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await test.close();
    },
  };
}

/** A plain git project row, its secrets sealed with the keyring (what the projects work stores). */
export async function insertProject(services: TestServices, slug: string) {
  const { keyring } = services.test;
  const [project] = await services.ctx.db
    .insert(projects)
    .values({
      slug,
      vcs: slug.startsWith("gh/") ? "github" : "git",
      gitUrl: `ssh://git@git.example.com/${slug.split("/").slice(1).join("/")}.git`,
      deployPublicKey: "ssh-ed25519 AAAAtest",
      deployPrivateKeyEncrypted: keyring.encrypt("-----BEGIN OPENSSH PRIVATE KEY----- deploy-key-plaintext-7d1e"),
      webhookSecretEncrypted: keyring.encrypt("webhook-secret-plaintext-93af"),
    })
    .returning();
  if (!project) throw new Error("no project row");
  return project;
}

/**
 * A pipeline with one workflow: `build` (success, job 1) → `hold` (approval, on_hold) → `deploy`
 * (blocked, job 2), inserted directly as the pipeline and queue work would store them.
 */
export async function insertPipeline(services: TestServices, projectId: string, number: number, firstJobNumber: number) {
  const db = services.ctx.db;
  const [pipeline] = await db
    .insert(pipelines)
    .values({
      projectId,
      number,
      state: "created",
      trigger: { type: "api", actor: "admin", receivedAt: "2026-11-22T04:00:00.000Z" },
      vcs: {
        branch: "main",
        revision: "a".repeat(40),
        originRepositoryUrl: "ssh://git@git.example.com/org/repo.git",
        commitSubject: "Add tests",
      },
      parameters: { deploy: true },
    })
    .returning();
  if (!pipeline) throw new Error("no pipeline row");
  const [workflow] = await db.insert(workflows).values({ pipelineId: pipeline.id, name: "main", status: "on_hold" }).returning();
  if (!workflow) throw new Error("no workflow row");
  const started = new Date("2026-11-22T04:01:00.000Z");
  const stopped = new Date("2026-11-22T04:02:30.000Z");
  // Shaped like packages/pipeline's PlannedJob, as the pipeline work stores it.
  const spec = (name: string, type: "build" | "approval", requires: string[], extra: Record<string, unknown> = {}) => ({
    name,
    definition: name,
    type,
    requires,
    requiredStatus: Object.fromEntries(requires.map((name) => [name, ["success"]])),
    context: [],
    parallelism: 1,
    filtersAdmit: true,
    runs: true,
    steps: [],
    unsupported: [],
    ...extra,
  });
  const [build] = await db
    .insert(jobs)
    .values({
      workflowId: workflow.id,
      projectId,
      number: firstJobNumber,
      name: "build",
      type: "build",
      status: "success",
      spec: spec("build", "build", [], {
        executor: { type: "docker", resourceClass: "large" },
        context: ["deploy-secrets"],
        parallelism: 2,
      }),
      queuedAt: started,
      startedAt: started,
      stoppedAt: stopped,
      createdAt: new Date("2026-11-22T04:00:01.000Z"),
    })
    .returning();
  const [hold] = await db
    .insert(jobs)
    .values({
      workflowId: workflow.id,
      projectId,
      number: null,
      name: "hold",
      type: "approval",
      status: "on_hold",
      spec: spec("hold", "approval", ["build"]),
      createdAt: new Date("2026-11-22T04:00:02.000Z"),
    })
    .returning();
  const [deploy] = await db
    .insert(jobs)
    .values({
      workflowId: workflow.id,
      projectId,
      number: firstJobNumber + 1,
      name: "deploy",
      type: "build",
      status: "blocked",
      spec: spec("deploy", "build", ["hold", "build"]),
      createdAt: new Date("2026-11-22T04:00:03.000Z"),
    })
    .returning();
  if (!build || !hold || !deploy) throw new Error("no job rows");
  return { pipeline, workflow, build, hold, deploy };
}
