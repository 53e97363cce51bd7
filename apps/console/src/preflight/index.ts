import { availableParallelism, totalmem } from "node:os";
import { type ClockDeps, checkClock, newestSourceMtime } from "./clock";
import { checkDocker, pingDocker } from "./docker";
import { findListeners } from "./listeners";
import { checkPort, type PortCheckDeps, tryBind } from "./ports";
import { checkPostgres } from "./postgres";
import { checkCpus, checkDisk, checkMemory, freeDiskBytes } from "./resources";
import { describeError, type PreflightResult } from "./types";

export { httpDateProbe, newestSourceMtime } from "./clock";
export { findListeners, type PortListeners } from "./listeners";
export { type BindOutcome, heldByPids, tryBind } from "./ports";
export type { PreflightResult, PreflightStatus } from "./types";

/** What the checks need; everything but the data dir and the PostgreSQL probe has a real default. */
export interface PreflightDeps {
  dataDir: string;
  /** Answers `SHOW server_version_num`, or throws when PostgreSQL cannot be reached. */
  postgresVersion: () => Promise<number | string>;
  /** Ports the services box will listen on (default 80 and 443). */
  ports?: number[];
  /** Whether a taken port is held by our own services box (default: never); see `heldByPids`. */
  isOurPort?: PortCheckDeps["isOurs"];
  cpuCount?: () => number;
  totalMemoryBytes?: () => number;
  freeDiskBytes?: (dir: string) => Promise<number>;
  bindPort?: PortCheckDeps["bind"];
  portListeners?: PortCheckDeps["listeners"];
  now?: ClockDeps["now"];
  buildTime?: ClockDeps["buildTime"];
  /** A network clock (e.g. `() => httpDateProbe("https://github.com")`); without one the clock is checked against the build. */
  networkTime?: ClockDeps["networkTime"];
  dockerPing?: () => Promise<unknown>;
}

/** Runs every check at once; each yields a result, also when the check itself breaks (then it fails, naming why). */
export async function runPreflight(deps: PreflightDeps): Promise<PreflightResult[]> {
  const ports = deps.ports ?? [80, 443];
  const portDeps: PortCheckDeps = {
    bind: deps.bindPort ?? tryBind,
    listeners: deps.portListeners ?? findListeners,
    isOurs: deps.isOurPort ?? (() => false),
  };
  const clockDeps: ClockDeps = {
    now: deps.now ?? (() => new Date()),
    buildTime: deps.buildTime ?? (() => newestSourceMtime()),
    ...(deps.networkTime ? { networkTime: deps.networkTime } : {}),
  };
  return Promise.all([
    guard("cpu", "CPUs", async () => checkCpus((deps.cpuCount ?? availableParallelism)())),
    guard("memory", "Memory", async () => checkMemory((deps.totalMemoryBytes ?? totalmem)())),
    guard("disk", "Free disk in the data directory", async () =>
      checkDisk(deps.dataDir, await (deps.freeDiskBytes ?? freeDiskBytes)(deps.dataDir)),
    ),
    ...ports.map((port) => guard(`port-${port}`, `Port ${port}`, () => checkPort(port, portDeps))),
    guard("postgres", "PostgreSQL", () => checkPostgres(deps.postgresVersion)),
    guard("clock", "Clock", () => checkClock(clockDeps)),
    guard("docker", "Docker engine", () => checkDocker(deps.dockerPing ?? pingDocker)),
  ]);
}

/** A failing check blocks Start; warnings do not. */
export function preflightBlocksStart(results: PreflightResult[]): boolean {
  return results.some((result) => result.status === "fail");
}

async function guard(id: string, title: string, check: () => Promise<PreflightResult>): Promise<PreflightResult> {
  try {
    return await check();
  } catch (error) {
    return { id, title, status: "fail", reason: `The check could not run: ${describeError(error)}` };
  }
}
