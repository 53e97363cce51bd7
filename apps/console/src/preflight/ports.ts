import { createServer } from "node:net";
import type { PortListeners } from "./listeners";
import { describeError, type PreflightResult } from "./types";

export type BindOutcome = "free" | "in-use" | "denied";

/** Tries to listen on 0.0.0.0:port (and lets go at once): what the services box will have to do. */
export function tryBind(port: number): Promise<BindOutcome> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") resolve("in-use");
      else if (error.code === "EACCES") resolve("denied");
      else reject(error);
    });
    server.listen({ port, host: "0.0.0.0", exclusive: true }, () => server.close(() => resolve("free")));
  });
}

export interface PortCheckDeps {
  bind: (port: number) => Promise<BindOutcome>;
  listeners: (port: number) => Promise<PortListeners>;
  /**
   * Whether a taken port is held by our own services box. Given the pids seen listening on it (empty when they
   * cannot be seen); the caller knows its services child (see `heldByPids`).
   */
  isOurs: (port: number, holderPids: number[]) => boolean;
}

/** `isOurs` for a caller that knows the pids of its own services processes. */
export function heldByPids(ourPids: () => number[]): PortCheckDeps["isOurs"] {
  return (_port, holderPids) => holderPids.length > 0 && holderPids.every((pid) => ourPids().includes(pid));
}

export async function checkPort(port: number, deps: PortCheckDeps): Promise<PreflightResult> {
  const base = { id: `port-${port}`, title: `Port ${port}` };
  const outcome = await deps.bind(port);
  if (outcome === "free") return { ...base, status: "pass", reason: `Port ${port} is free.` };
  // Who holds it is extra information: when /proc cannot be read, a bind that said "in use" still stands.
  let listeners: PortListeners;
  let unseen = "";
  try {
    listeners = await deps.listeners(port);
  } catch (error) {
    listeners = { listening: outcome === "in-use", pids: [] };
    unseen = ` (could not list who listens on it: ${describeError(error)})`;
  }
  if (listeners.listening || outcome === "in-use") {
    if (deps.isOurs(port, listeners.pids)) {
      return { ...base, status: "pass", reason: `Port ${port} is held by Citadel's own services box.` };
    }
    const holder = listeners.pids.length > 0 ? ` (pid ${listeners.pids.join(", ")})` : "";
    return {
      ...base,
      status: "fail",
      reason: `Port ${port} is in use by another process${holder}; stop it or move it (\`ss -ltnp 'sport = :${port}'\` names it).`,
    };
  }
  return {
    ...base,
    status: "warn",
    reason: `Port ${port} looks free, but binding it needs root (or CAP_NET_BIND_SERVICE) and the console is not running as root, so the services box may not be able to listen on it${unseen}.`,
  };
}
