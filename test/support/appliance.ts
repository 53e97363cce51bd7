import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdtemp, readFile } from "node:fs/promises";
import { request } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dirname, "..", "..");

/** A fresh data dir the embedded PostgreSQL user can enter (mkdtemp makes 0700 dirs). */
export async function tempDataDir(prefix = "citadel-test-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface HttpsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** HTTPS GET that trusts exactly the given CA/self-signed certificate (real TLS verification). */
export function httpsGet(url: string, ca: string, timeoutMs = 5_000): Promise<HttpsResponse> {
  return new Promise((resolveResponse, reject) => {
    const req = request(url, { ca, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolveResponse({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`timed out: ${url}`)));
    req.on("error", reject);
    req.end();
  });
}

export interface RunningAppliance {
  child: ChildProcess;
  port: number;
  dataDir: string;
  output(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | string>;
}

/** Runs `npm start`'s entry point in its own process group, as a user would run it. */
export function startAppliance(dataDir: string, port: number, extraEnv: Record<string, string> = {}): RunningAppliance {
  const child = spawn(process.execPath, ["scripts/start.mjs"], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CITADEL_DATA_DIR: dataDir, CITADEL_CONSOLE_PORT: String(port), ...extraEnv },
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | string>((resolveExit) => {
    child.once("exit", (code, signal) => resolveExit(code ?? signal ?? "unknown"));
  });
  return { child, port, dataDir, output: () => output, exited };
}

export async function consoleCertificate(dataDir: string): Promise<string> {
  return readFile(join(dataDir, "tls", "console.crt"), "utf8");
}

/** Polls /healthz until it answers 200, failing with the appliance's output after the deadline. */
export async function waitForHealthy(app: RunningAppliance, timeoutMs = 60_000): Promise<HttpsResponse> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (app.child.exitCode !== null) throw new Error(`appliance exited (${app.child.exitCode}):\n${app.output()}`);
    try {
      const res = await httpsGet(`https://localhost:${app.port}/healthz`, await consoleCertificate(app.dataDir));
      if (res.status === 200) return res;
      last = `${res.status} ${res.body}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`appliance not healthy after ${timeoutMs} ms (last: ${last}):\n${app.output()}`);
}

/** True while any process runs a PostgreSQL server on this data dir. */
export async function postgresRunningFor(dataDir: string): Promise<boolean> {
  const { readdir } = await import("node:fs/promises");
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes("postgres") && cmdline.includes(join(dataDir, "postgres"))) return true;
  }
  return false;
}

/** Waits until the appliance's output matches (e.g. the "console ready" log line). */
export async function waitForOutput(app: RunningAppliance, pattern: RegExp, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(app.output())) {
    if (app.child.exitCode !== null) throw new Error(`appliance exited (${app.child.exitCode}):\n${app.output()}`);
    if (Date.now() > deadline) throw new Error(`no ${pattern} in the appliance output after ${timeoutMs} ms:\n${app.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
