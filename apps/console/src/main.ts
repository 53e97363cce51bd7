import { activeCertificate, migrate, openDatabase } from "@citadel/db";
import { EnvError } from "@citadel/env";
import { Keyring } from "@citadel/keyring";
import { loadTrustStore } from "@citadel/license";
import type { AppContext } from "./app-context";
import { acquireApplianceLock } from "./appliance-lock";
import { prepareBootstrapPassword } from "./domain/auth";
import { startBackupScheduler } from "./domain/backup-schedule";
import { runHeadlessInstall } from "./domain/headless";
import { wizardState } from "./domain/install";
import { assertKeyringPresent } from "./domain/keyring-guard";
import { parseConsoleEnv } from "./env";
import { prepareNext } from "./http/next-app";
import { consoleRoutes, type RouteState } from "./http/routes";
import { closeServer, listenHttps } from "./http/server";
import { initLogger, moduleLogger } from "./logger";
import { ServicesSupervisor } from "./supervisor/services-supervisor";
import { loadOrCreateConsoleCertificate } from "./tls/console-certificate";
import { scheduleSelfSignedRenewal } from "./tls/renewal-schedule";

const SHUTDOWN_DEADLINE_MS = 9_500;

async function main(): Promise<void> {
  const env = parseConsoleEnv();
  initLogger(env.CITADEL_LOG_LEVEL);
  const log = moduleLogger("main");
  const releaseLock = await acquireApplianceLock(env.CITADEL_DATA_DIR);
  const state: RouteState = { app: null, next: null };
  const cleanups: Array<() => Promise<void>> = [releaseLock];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step();
  };

  // Bind first: a taken port is reported at once, before PostgreSQL starts.
  const firstBoot = await loadOrCreateConsoleCertificate(env.CITADEL_DATA_DIR, moduleLogger("tls"));
  let server: Awaited<ReturnType<typeof listenHttps>>;
  try {
    server = await listenHttps({
      port: env.CITADEL_CONSOLE_PORT,
      host: env.CITADEL_CONSOLE_HOST,
      certificate: firstBoot,
      handler: consoleRoutes(state),
      logger: moduleLogger("http"),
    });
  } catch (error) {
    await cleanup();
    throw error;
  }
  cleanups.push(() => closeServer(server));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    setTimeout(() => {
      log.error("shutdown took too long; exiting");
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    await cleanup();
    log.info("stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  try {
    const database = await openDatabase({
      logger: moduleLogger("db"),
      databaseUrl: env.CITADEL_DATABASE_URL,
      dataDir: env.CITADEL_DATA_DIR,
      applicationName: "citadel-console",
    });
    cleanups.push(() => database.close());
    await migrate(database.sql, moduleLogger("migrate"));
    await assertKeyringPresent(database.db, env.CITADEL_DATA_DIR);
    const keyring = await Keyring.loadOrCreate(env.CITADEL_DATA_DIR);
    const trust = await loadTrustStore({ extraJwksPath: env.CITADEL_LICENSE_PUBKEYS });
    const supervisor = new ServicesSupervisor(
      async () => ({
        dataDir: env.CITADEL_DATA_DIR,
        databaseUrl: database.connectionUrl,
        httpsPort: env.CITADEL_HTTPS_PORT,
        httpPort: env.CITADEL_HTTP_PORT,
        logLevel: env.CITADEL_LOG_LEVEL,
      }),
      moduleLogger("supervisor"),
    );
    cleanups.push(() => supervisor.stop());
    const app: AppContext = {
      env,
      database,
      db: database.db,
      keyring,
      trust,
      supervisor,
      logger: moduleLogger("app"),
      applyConsoleCertificate: (certificate) => {
        server.setSecureContext({ cert: certificate.certPem, key: certificate.keyPem });
        log.info({ fingerprint: certificate.fingerprintSha256 }, "console certificate applied");
      },
    };
    const active = await activeCertificate(database.db, keyring);
    if (active) app.applyConsoleCertificate(active);
    const renewal = scheduleSelfSignedRenewal(app, moduleLogger("tls"));
    cleanups.push(async () => clearInterval(renewal));

    state.next = await prepareNext(moduleLogger("next"));

    if (env.CITADEL_BOOTSTRAP) {
      const outcome = await runHeadlessInstall(app, env.CITADEL_BOOTSTRAP);
      log.info({ outcome }, "headless install");
    } else {
      const bootstrapPassword = await prepareBootstrapPassword(database.db);
      if (bootstrapPassword) {
        log.info(
          { url: `https://localhost:${env.CITADEL_CONSOLE_PORT}/login` },
          "first boot: sign in with the one-time bootstrap password",
        );
        process.stdout.write(`\n  Citadel bootstrap password (one-time): ${bootstrapPassword}\n\n`);
      }
      // Installed before: bring the services box back, but a failure there must not keep the
      // console (where the admin sees and fixes it) from starting.
      if ((await wizardState(app)).started) {
        supervisor
          .start()
          .catch((error: unknown) => log.error({ reason: (error as Error).message }, "services box did not start"));
      }
    }
    const backupScheduler = startBackupScheduler(app);
    cleanups.push(async () => backupScheduler.stop());
    // Ready only now: /healthz says "starting" until every start step is done.
    state.app = app;
  } catch (error) {
    // A signal during start closes what is open; the shutdown handler reports and exits.
    if (stopping) return;
    await cleanup();
    throw error;
  }
  log.info({ url: `https://localhost:${env.CITADEL_CONSOLE_PORT}` }, "console ready");
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const expected = error instanceof Error && error.name !== "Error" && error.name !== "TypeError";
  if (!(error instanceof EnvError)) {
    moduleLogger("main").fatal(expected ? { reason: message } : { err: error }, "start failed");
  }
  process.stderr.write(`citadel: ${message}\n`);
  process.exit(1);
});
