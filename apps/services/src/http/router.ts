import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { sendJson } from "./body";
import { HttpError } from "./errors";

export interface RouteRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Named groups of the route's pattern. */
  params: Record<string, string>;
}

export interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Anchored pattern with named groups, e.g. /^\/api\/v2\/pipeline\/(?<id>[^/]+)$/ */
  path: RegExp;
  handle(request: RouteRequest): Promise<void> | void;
}

/** Dispatches to the first matching route; HttpErrors become `{"message"}` answers, anything else a logged 500. */
export function createRouter(routes: Route[], logger: Logger) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "https://services");
    let pathMatched = false;
    try {
      for (const route of routes) {
        const match = route.path.exec(url.pathname);
        if (!match) continue;
        pathMatched = true;
        if (route.method !== req.method) continue;
        const params = decodeParams(match.groups ?? {});
        await route.handle({ req, res, url, params });
        return;
      }
      throw pathMatched ? new HttpError(405, "Method not allowed.") : new HttpError(404, "Not found");
    } catch (error) {
      if (res.headersSent) {
        if (!(error instanceof HttpError)) logger.error({ err: error, url: url.pathname }, "request failed mid-response");
        res.destroy();
        return;
      }
      if (error instanceof HttpError) return sendJson(res, error.status, { message: error.message });
      logger.error({ err: error, method: req.method, url: url.pathname }, "request failed");
      sendJson(res, 500, { message: "Internal error." });
    }
  };
}

function decodeParams(groups: Record<string, string | undefined>): Record<string, string> {
  try {
    return Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, decodeURIComponent(v ?? "")]));
  } catch {
    throw new HttpError(400, "Malformed URL encoding.");
  }
}
