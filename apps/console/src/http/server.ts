import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { Logger } from "pino";
import type { CertificatePair } from "../tls/self-signed";
import { applySecurityHeaders } from "./security-headers";

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export class PortInUseError extends Error {
  override name = "PortInUseError";
  constructor(readonly port: number) {
    super(`Port ${port} is already in use: stop whatever listens there or set CITADEL_CONSOLE_PORT to another port`);
  }
}

export interface ListenOptions {
  port: number;
  host?: string | undefined;
  certificate: CertificatePair;
  handler: Handler;
  logger: Logger;
}

/** Binds the HTTPS listener; a port already taken is a PortInUseError, not a stack trace. */
export function listenHttps({ port, host, certificate, handler, logger }: ListenOptions): Promise<Server> {
  const server = createServer({ cert: certificate.certPem, key: certificate.keyPem }, (req, res) => {
    applySecurityHeaders(res);
    Promise.resolve(handler(req, res)).catch((error: unknown) => {
      logger.error({ err: error, url: req.url }, "request failed");
      if (!res.headersSent) sendJson(res, 500, { message: "internal error" });
      else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(error.code === "EADDRINUSE" ? new PortInUseError(port) : error);
    });
    server.listen({ port, host }, () => resolve(server));
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
