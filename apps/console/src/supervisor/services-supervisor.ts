import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";

const SERVICES_ENTRY = fileURLToPath(new URL("../../../services/src/main.ts", import.meta.url));
const BACKOFF_MS = { first: 1_000, max: 30_000 } as const;
/** Running this long without a crash resets the back-off. */
const STABLE_AFTER_MS = 60_000;
const STOP_GRACE_MS = 8_000;

export type ServicesState = "stopped" | "starting" | "running" | "backoff" | "stopping";

export interface ServicesStatus {
  state: ServicesState;
  pid: number | null;
  since: string;
  restarts: number;
  lastExit: { code: number | null; signal: string | null; at: string; message: string | null } | null;
}

export interface ServicesLaunchConfig {
  dataDir: string;
  databaseUrl: string;
  httpsPort: number;
  httpPort: number;
  logLevel: string;
}

/**
 * Runs apps/services as a child process: restarts it with exponential back-off when it
 * crashes, and stops it cleanly (SIGTERM, then SIGKILL after a grace period).
 */
export class ServicesSupervisor {
  private child: ChildProcess | null = null;
  private status: ServicesStatus = { state: "stopped", pid: null, since: new Date().toISOString(), restarts: 0, lastExit: null };
  private backoffMs: number = BACKOFF_MS.first;
  private retryTimer: NodeJS.Timeout | null = null;
  private stableTimer: NodeJS.Timeout | null = null;
  private wanted = false;
  private readonly listeners = new Set<(status: ServicesStatus) => void>();

  constructor(
    private readonly launchConfig: () => Promise<ServicesLaunchConfig>,
    private readonly logger: Logger,
  ) {}

  current(): ServicesStatus {
    return { ...this.status };
  }

  onChange(listener: (status: ServicesStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once the services box reports ready, or rejects with its last words. */
  async start(): Promise<void> {
    this.wanted = true;
    if (this.child) return this.waitUntilRunning();
    await this.spawnChild();
    return this.waitUntilRunning();
  }

  async stop(): Promise<void> {
    this.wanted = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const child = this.child;
    if (!child) {
      this.set({ state: "stopped", pid: null });
      return;
    }
    this.set({ state: "stopping" });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private async spawnChild(): Promise<void> {
    const config = await this.launchConfig();
    this.set({ state: "starting" });
    const child = spawn(process.execPath, ["--import", "tsx", SERVICES_ENTRY], {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        CITADEL_DATA_DIR: config.dataDir,
        CITADEL_DATABASE_URL: config.databaseUrl,
        CITADEL_HTTPS_PORT: String(config.httpsPort),
        CITADEL_HTTP_PORT: String(config.httpPort),
        CITADEL_LOG_LEVEL: config.logLevel,
      },
    });
    this.child = child;
    this.set({ pid: child.pid ?? null });
    let lastError: string | null = null;
    // The child's JSON log lines pass through to ours; "services ready" marks it running.
    createInterface({ input: child.stdout }).on("line", (line) => {
      process.stdout.write(`${line}\n`);
      if (this.status.state === "starting" && line.includes('"msg":"services ready"')) {
        this.set({ state: "running" });
        this.stableTimer = setTimeout(() => {
          this.backoffMs = BACKOFF_MS.first;
        }, STABLE_AFTER_MS);
      }
    });
    createInterface({ input: child.stderr }).on("line", (line) => {
      process.stderr.write(`${line}\n`);
      lastError = line.replace(/^citadel-services: /, "");
    });
    child.once("exit", (code, signal) => {
      if (this.stableTimer) clearTimeout(this.stableTimer);
      this.child = null;
      const lastExit = { code, signal, at: new Date().toISOString(), message: lastError };
      if (!this.wanted) {
        this.set({ state: "stopped", pid: null, lastExit });
        return;
      }
      this.logger.error({ code, signal, reason: lastError, retryInMs: this.backoffMs }, "services box exited; restarting");
      this.set({ state: "backoff", pid: null, lastExit, restarts: this.status.restarts + 1 });
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.spawnChild().catch((error: unknown) => this.logger.error({ err: error }, "could not restart the services box"));
      }, this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MS.max);
    });
  }

  private waitUntilRunning(timeoutMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (status: ServicesStatus) => {
        if (status.state === "running") return done(null);
        if (status.state === "backoff" || status.state === "stopped") {
          return done(new Error(`the services box did not start: ${status.lastExit?.message ?? "it exited"}`));
        }
      };
      const timer = setTimeout(() => done(new Error("the services box did not report ready within 60 s")), timeoutMs);
      const unsubscribe = this.onChange(check);
      const done = (error: Error | null) => {
        clearTimeout(timer);
        unsubscribe();
        if (error) reject(error);
        else resolve();
      };
      check(this.status);
    });
  }

  private set(patch: Partial<ServicesStatus>): void {
    const stateChanged = patch.state !== undefined && patch.state !== this.status.state;
    this.status = { ...this.status, ...patch, ...(stateChanged ? { since: new Date().toISOString() } : {}) };
    if (stateChanged) this.logger.info({ state: this.status.state, pid: this.status.pid }, "services box state");
    for (const listener of this.listeners) listener(this.current());
  }
}
