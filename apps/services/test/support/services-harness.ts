// A services box in-process for tests: real PostgreSQL, real HTTPS listener(s), our routes.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes, X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { activateCertificate, ensureUser, issueApiToken } from "@citadel/db";
import { joinTokens, pipelines, projects, settings } from "@citadel/db/schema";
import { generateSigningKey, issueLicense, loadTrustStore } from "@citadel/license";
import { compile } from "@citadel/pipeline";
import { encodeJoinToken } from "@citadel/protocol";
import { pino } from "pino";
import { testDatabase } from "../../../../test/support/database";
import type { ServicesContext } from "../../src/app-context";
import { createWorkflowsFromPlan } from "../../src/domain/workflow-state";
import { parseServicesEnv } from "../../src/env";
import { createHttpsListener, listen } from "../../src/http/listeners";
import { createRouter } from "../../src/http/router";
import { apiV2Routes } from "../../src/routes/api-v2";
import { type BuilderRouteOptions, builderRoutes } from "../../src/routes/builder";
import { builderObjectRoutes } from "../../src/routes/builder-objects";
import { healthRoutes } from "../../src/routes/health";
import { logRoutes } from "../../src/routes/logs";

export type ServicesHarness = Awaited<ReturnType<typeof startServicesHarness>>;

export async function startServicesHarness() {
  const test = await testDatabase();
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const tls = selfSignedCertificate(test.dataDir);
  const fingerprint = new X509Certificate(tls.certPem).fingerprint256;
  const db = test.database.db;
  const x509 = new X509Certificate(tls.certPem);
  await activateCertificate(db, test.keyring, {
    certificatePem: tls.certPem,
    chainPem: "",
    privateKeyPem: tls.keyPem,
    sans: ["localhost"],
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    fingerprintSha256: fingerprint,
    selfSigned: true,
  });
  await db.insert(settings).values({ key: "hostname", value: { hostname: "localhost" } });

  const vendor = await generateSigningKey("test-vendor");
  const jwksFile = join(test.dataDir, "vendor.jwks.json");
  writeFileSync(jwksFile, JSON.stringify(vendor.jwks));
  const ctx: ServicesContext = {
    env: parseServicesEnv({ CITADEL_DATABASE_URL: test.database.connectionUrl, CITADEL_DATA_DIR: test.dataDir }),
    database: test.database,
    db,
    keyring: test.keyring,
    trust: await loadTrustStore({ extraJwksPath: jwksFile }),
    objectsDir: join(test.dataDir, "objects"),
    logger,
  };
  const servers: Server[] = [];

  /** Another HTTPS listener on the same database, e.g. with a short lease. */
  async function listener(options: BuilderRouteOptions = {}): Promise<string> {
    const routes = [
      ...healthRoutes(ctx),
      ...apiV2Routes(ctx),
      ...builderRoutes(ctx, options),
      ...builderObjectRoutes(ctx),
      ...logRoutes(ctx),
    ];
    const server = createHttpsListener({ cert: tls.certPem, key: tls.keyPem }, createRouter(routes, logger), logger);
    await listen(server, 0, "127.0.0.1", "test");
    servers.push(server);
    return `https://localhost:${(server.address() as AddressInfo).port}`;
  }
  const url = await listener();

  const user = await ensureUser(db, { login: "admin", name: "Admin", isAdmin: true });
  const apiToken = (await issueApiToken(db, { userId: user.id, name: "tests" })).token;
  let pipelineNumber = 0;

  return {
    ctx,
    db,
    dataDir: test.dataDir,
    url,
    fingerprint,
    apiToken,
    listener,
    async installLicense(entitlements: { maxBuilders?: number }) {
      const { token } = await issueLicense(vendor.privateJwk, { customer: "Acme Corp", maxUsers: 50, ...entitlements });
      await db
        .insert(settings)
        .values({ key: "license", value: { token } })
        .onConflictDoUpdate({ target: settings.key, set: { value: { token } } });
    },
    /** A join token as the CLI makes one (the CLI itself is tested once, end to end). */
    async joinToken(serviceUrl = url, ttlMs = 3_600_000): Promise<string> {
      const secret = randomBytes(32).toString("base64url");
      const tokenHash = createHash("sha256").update(secret).digest("hex");
      await db.insert(joinTokens).values({ tokenHash, expiresAt: new Date(Date.now() + ttlMs) });
      return encodeJoinToken({ v: 1, url: serviceUrl, fingerprint, secret });
    },
    async createProject(slug: string) {
      const [project] = await db
        .insert(projects)
        .values({
          slug,
          vcs: "git",
          gitUrl: `ssh://git@git.example.test/${slug.slice(4)}.git`,
          deployPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAItest test",
          deployPrivateKeyEncrypted: test.keyring.encrypt("-----BEGIN OPENSSH PRIVATE KEY-----\ntest\n"),
          webhookSecretEncrypted: test.keyring.encrypt("hook-secret"),
        })
        .returning();
      if (!project) throw new Error("project insert returned no row");
      return project;
    },
    /** Compiles a config and creates its pipeline, workflows and jobs as the pipeline trigger does. */
    async createPipeline(projectId: string, config: string, branch = "main") {
      const number = ++pipelineNumber;
      const revision = "0123456789abcdef0123456789abcdef01234567";
      const compiled = compile(config, { branch, revision, number });
      if (!compiled.ok) throw new Error(`config: ${compiled.errors.map((e) => e.message).join("; ")}`);
      return db.transaction(async (tx) => {
        const [pipeline] = await tx
          .insert(pipelines)
          .values({
            projectId,
            number,
            state: "created",
            trigger: { type: "api", actor: "admin" },
            vcs: { branch, revision },
            plan: compiled.value as unknown as Record<string, unknown>,
          })
          .returning();
        if (!pipeline) throw new Error("pipeline insert returned no row");
        await createWorkflowsFromPlan(tx, pipeline, compiled.value);
        return pipeline;
      });
    },
    async close() {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
      await test.close();
    },
  };
}

function selfSignedCertificate(dir: string): { certPem: string; keyPem: string } {
  const key = join(dir, "tls.key");
  const cert = join(dir, "tls.crt");
  const request = "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost";
  execFileSync("openssl", [...request.split(" "), "-addext", "subjectAltName=DNS:localhost", "-keyout", key, "-out", cert], {
    stdio: "ignore",
  });
  return { certPem: readFileSync(cert, "utf8"), keyPem: readFileSync(key, "utf8") };
}
