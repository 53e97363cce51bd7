import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { pipelines, settings } from "@citadel/db/schema";
import { loadTrustStore } from "@citadel/license";
import { eq } from "drizzle-orm";
import { pino } from "pino";
import { type TestDatabase, testDatabase } from "../../../test/support/database";
import type { ServicesContext } from "../src/app-context";
import { parseServicesEnv } from "../src/env";
import { createHttpsListener, listen } from "../src/http/listeners";
import { createRouter } from "../src/http/router";
import { allRoutes } from "../src/routes/index";

const run = promisify(execFile);

export interface HookServices {
  test: TestDatabase;
  ctx: ServicesContext;
  port: number;
  /** PEM of the listener's self-signed certificate (127.0.0.1), for curl --cacert. */
  caCertPath: string;
  post(
    path: string,
    body: string | Buffer,
    headers: Record<string, string>,
  ): Promise<{ status: number; json: Record<string, unknown> }>;
  pipelineCount(projectId: string): Promise<number>;
  close(): Promise<void>;
}

/** The real services router on a real HTTPS listener over a real database, hostname set to 127.0.0.1. */
export async function startHookServices(): Promise<HookServices> {
  const test = await testDatabase();
  const tlsDir = join(test.dataDir, "tls-test");
  await run("mkdir", ["-p", tlsDir]);
  await run("openssl", [
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"],
    ...["-keyout", join(tlsDir, "key.pem"), "-out", join(tlsDir, "cert.pem"), "-subj", "/CN=127.0.0.1"],
    ...["-addext", "subjectAltName=IP:127.0.0.1"],
  ]);
  const caCertPath = join(tlsDir, "cert.pem");
  const cert = await readFile(caCertPath, "utf8");
  const key = await readFile(join(tlsDir, "key.pem"), "utf8");
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const ctx: ServicesContext = {
    env: parseServicesEnv({ CITADEL_DATA_DIR: test.dataDir, CITADEL_DATABASE_URL: "postgres://unused@localhost/unused" }),
    database: test.database,
    db: test.database.db,
    keyring: test.keyring,
    trust: await loadTrustStore({}),
    objectsDir: join(test.dataDir, "objects"),
    logger,
  };
  await test.database.db.insert(settings).values({ key: "hostname", value: { hostname: "127.0.0.1" } });
  const server = createHttpsListener({ cert, key }, createRouter(allRoutes(ctx), logger), logger);
  await listen(server, 0, "127.0.0.1", "CITADEL_HTTPS_PORT");
  const port = (server.address() as AddressInfo).port;

  const post: HookServices["post"] = (path, body, headers) =>
    new Promise((resolve, reject) => {
      const req = httpsRequest(
        { host: "127.0.0.1", port, path, method: "POST", headers: { "Content-Type": "application/json", ...headers }, ca: cert },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            resolve({ status: res.statusCode ?? 0, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  return {
    test,
    ctx,
    port,
    caCertPath,
    post,
    pipelineCount: async (projectId) =>
      (await test.database.db.select().from(pipelines).where(eq(pipelines.projectId, projectId))).length,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await test.close();
    },
  };
}
