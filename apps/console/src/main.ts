import { type Database, migrate, openDatabase } from "@citadel/db";
import { acquireApplianceLock } from "./appliance-lock";
import { ConfigError, parseConsoleEnv } from "./env";
import { consoleRoutes, type RouteState } from "./http/routes";
import { closeServer, listenHttps } from "./http/server";
import { initLogger, moduleLogger } from "./logger";
import { loadOrCreateConsoleCertificate } from "./tls/console-certificate";

const SHUTDOWN_DEADLINE_MS = 9_000;

async function main(): Promise<void> {
  const env = parseConsoleEnv();
  initLogger(env.CITADEL_LOG_LEVEL);
  const log = moduleLogger("main");

  const releaseLock = await acquireApplianceLock(env.CITADEL_DATA_DIR);
  const state: RouteState = { sql: null };
  let database: Database | undefined;

  // Bind first: a taken port is reported at once, before PostgreSQL starts.
  const certificate = await loadOrCreateConsoleCertificate(env.CITADEL_DATA_DIR, moduleLogger("tls"));
  const server = await listenHttps({
    port: env.CITADEL_CONSOLE_PORT,
    host: env.CITADEL_CONSOLE_HOST,
    certificate,
    handler: consoleRoutes(state),
    logger: moduleLogger("http"),
  }).catch(async (error: unknown) => {
    await releaseLock();
    throw error;
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    setTimeout(() => {
      log.error("shutdown took too long; exiting");
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    await closeServer(server);
    await database?.close();
    await releaseLock();
    log.info("stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  try {
    database = await openDatabase({
      logger: moduleLogger("db"),
      databaseUrl: env.CITADEL_DATABASE_URL,
      dataDir: env.CITADEL_DATA_DIR,
      applicationName: "citadel-console",
    });
    await migrate(database.sql, moduleLogger("migrate"));
  } catch (error) {
    await closeServer(server);
    await database?.close();
    await releaseLock();
    throw error;
  }
  state.sql = database.sql;
  log.info({ url: `https://localhost:${env.CITADEL_CONSOLE_PORT}`, database: database.mode }, "console ready");
}

main().catch((error: unknown) => {
  const known = error instanceof Error && error.name !== "Error" && error.name !== "TypeError";
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ConfigError) {
    process.stderr.write(`citadel: ${message}\n`);
  } else {
    moduleLogger("main").fatal(known ? { reason: message } : { err: error }, "start failed");
    process.stderr.write(`citadel: ${message}\n`);
  }
  process.exit(1);
});
