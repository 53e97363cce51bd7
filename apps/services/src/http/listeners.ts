import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { Logger } from "pino";

export class PortInUseError extends Error {
  override name = "PortInUseError";
  constructor(
    readonly port: number,
    variable: string,
  ) {
    super(`Port ${port} is already in use: stop whatever listens there or set ${variable} to another port`);
  }
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export function listen<S extends Server | HttpsServer>(server: S, port: number, host: string | undefined, variable: string) {
  return new Promise<S>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new PortInUseError(port, variable) : error),
    );
    server.listen({ port, host }, () => resolve(server));
  });
}

export function createHttpsListener(tls: { cert: string; key: string }, handler: Handler, logger: Logger): HttpsServer {
  return createHttpsServer(tls, (req, res) => {
    Promise.resolve(handler(req, res)).catch((error: unknown) => {
      logger.error({ err: error, url: req.url }, "request failed");
      if (!res.headersSent) {
        res.writeHead(500, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ message: "Internal error" }));
      } else {
        res.destroy();
      }
    });
  });
}

/** Plain HTTP only ever redirects to the same path over HTTPS. */
export function createRedirectListener(httpsPort: number): Server {
  return createHttpServer((req, res) => {
    const host = (req.headers.host ?? "localhost").replace(/:\d+$/, "");
    const portPart = httpsPort === 443 ? "" : `:${httpsPort}`;
    res.writeHead(308, { Location: `https://${host}${portPart}${req.url ?? "/"}` });
    res.end();
  });
}
