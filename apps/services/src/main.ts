import { join } from "node:path";
import { activeCertificate, assertKeyringPresent, openDatabase, TLS_CHANGED_CHANNEL } from "@citadel/db";
import { Keyring, keyringPath } from "@citadel/keyring";
import { loadTrustStore } from "@citadel/license";
import type { ServicesContext } from "./app-context";
import { startLeaseSweeper } from "./domain/lease-sweeper";
import { parseServicesEnv } from "./env";
import { createHttpsListener, createRedirectListener, listen } from "./http/listeners";
import { createRouter } from "./http/router";
import { initLogger, moduleLogger } from "./logger";
import { allRoutes } from "./routes/index";

class ServicesStartError extends Error {
  override name = "ServicesStartError";
}

/** The services box process: started and supervised by the console. */
async function main(): Promise<void> {
  const env = parseServicesEnv();
  initLogger(env.CITADEL_LOG_LEVEL);
  const log = moduleLogger("main");
  const database = await openDatabase({
    logger: moduleLogger("db"),
    databaseUrl: env.CITADEL_DATABASE_URL,
    dataDir: env.CITADEL_DATA_DIR,
    applicationName: "citadel-services",
  });
  // Same guard as the console: lost keys with encrypted data is a restore problem, named as such.
  await assertKeyringPresent(database.db, {
    exists: Keyring.exists(env.CITADEL_DATA_DIR),
    file: keyringPath(env.CITADEL_DATA_DIR),
  });
  const keyring = await Keyring.load(env.CITADEL_DATA_DIR);
  const certificate = await activeCertificate(database.db, keyring);
  if (!certificate)
    throw new ServicesStartError("no TLS certificate is configured: finish the TLS step of the install wizard first");

  const ctx: ServicesContext = {
    env,
    database,
    db: database.db,
    keyring,
    trust: await loadTrustStore({ extraJwksPath: env.CITADEL_LICENSE_PUBKEYS }),
    objectsDir: join(env.CITADEL_DATA_DIR, "objects"),
    logger: moduleLogger("app"),
  };
  const https = createHttpsListener(
    { cert: certificate.certPem, key: certificate.keyPem },
    createRouter(allRoutes(ctx), moduleLogger("http")),
    moduleLogger("https"),
  );
  await listen(https, env.CITADEL_HTTPS_PORT, env.CITADEL_SERVICES_HOST, "CITADEL_HTTPS_PORT");
  const redirect = await listen(
    createRedirectListener(env.CITADEL_HTTPS_PORT),
    env.CITADEL_HTTP_PORT,
    env.CITADEL_SERVICES_HOST,
    "CITADEL_HTTP_PORT",
  );

  // A rotated certificate is announced by the console; swap it in without a restart.
  await database.sql.listen(TLS_CHANGED_CHANNEL, async () => {
    const next = await activeCertificate(database.db, keyring);
    if (!next) return;
    https.setSecureContext({ cert: next.certPem, key: next.keyPem });
    log.info({ fingerprint: next.fingerprintSha256 }, "TLS certificate reloaded");
  });

  // Jobs whose builder died are failed and re-queued once; see domain/queue.ts.
  const sweeper = startLeaseSweeper(ctx, Math.min(10_000, (env.CITADEL_JOB_LEASE_SECONDS * 1000) / 3));

  const shutdown = async (signal: string) => {
    log.info({ signal }, "shutting down");
    sweeper.stop();
    setTimeout(() => process.exit(1), 8_000).unref();
    https.closeAllConnections();
    redirect.closeAllConnections();
    await Promise.all([new Promise((r) => https.close(r)), new Promise((r) => redirect.close(r))]);
    await database.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));
  log.info({ httpsPort: env.CITADEL_HTTPS_PORT, httpPort: env.CITADEL_HTTP_PORT }, "services ready");
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  moduleLogger("main").fatal({ reason: message }, "start failed");
  process.stderr.write(`citadel-services: ${message}\n`);
  process.exit(1);
});
