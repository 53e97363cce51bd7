import { chmod, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Logger } from "pino";
import { z } from "zod";
import type { BuilderDaemon } from "./daemon";

/** The unix socket `circle-shutdown` talks to: 0600, so only root (the daemon's user) may drain. */
export function controlSocketPath(dataDir: string): string {
  return join(dataDir, "control.sock");
}

const requestSchema = z.discriminatedUnion("command", [
  z.object({ command: z.literal("status") }),
  z.object({ command: z.literal("drain"), timeoutSeconds: z.number().positive().optional() }),
]);

/** Lines sent back, one JSON object each. */
export type ControlMessage =
  | { type: "status"; state: string; running: Array<{ jobId: string; name: string }> }
  | { type: "progress"; running: Array<{ jobId: string; name: string }> }
  | { type: "drained"; canceled: string[] }
  | { type: "error"; message: string };

export async function startControlSocket(daemon: BuilderDaemon, dataDir: string, logger: Logger): Promise<Server> {
  const path = controlSocketPath(dataDir);
  await rm(path, { force: true }); // a socket file left by a crashed daemon
  const server = createServer((socket) => handle(daemon, socket, logger));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, resolve);
  });
  await chmod(path, 0o600);
  return server;
}

function send(socket: Socket, message: ControlMessage): void {
  if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
}

function handle(daemon: BuilderDaemon, socket: Socket, logger: Logger): void {
  const lines = createInterface({ input: socket });
  lines.once("line", (line) => {
    let request: z.infer<typeof requestSchema>;
    try {
      request = requestSchema.parse(JSON.parse(line));
    } catch (error) {
      send(socket, { type: "error", message: `bad control request: ${(error as Error).message}` });
      socket.end();
      return;
    }
    if (request.command === "status") {
      send(socket, { type: "status", state: daemon.currentState, ...daemon.progress() });
      socket.end();
      return;
    }
    logger.info({ timeoutSeconds: request.timeoutSeconds }, "circle-shutdown: drain requested");
    send(socket, { type: "progress", ...daemon.progress() });
    const unsubscribe = daemon.onDrainProgress((progress) => send(socket, { type: "progress", ...progress }));
    daemon
      .drain(request.timeoutSeconds, { leaveFleet: true })
      .then((canceled) => send(socket, { type: "drained", canceled }))
      .catch((error: unknown) => send(socket, { type: "error", message: (error as Error).message }))
      .finally(() => {
        unsubscribe();
        socket.end();
      });
  });
}
