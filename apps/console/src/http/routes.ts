import { checkDatabase } from "@citadel/db";
import type { Sql } from "postgres";
import { type Handler, sendJson } from "./server";

export interface RouteState {
  /** Null until the database is open and migrated. */
  sql: Sql | null;
}

const PLACEHOLDER_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Citadel console</title></head>
<body><main><h1>Citadel</h1><p>The appliance is running. The install wizard arrives with the console.</p></main></body></html>`;

export function consoleRoutes(state: RouteState): Handler {
  return async (req, res) => {
    const path = new URL(req.url ?? "/", "https://console").pathname;
    if (path === "/healthz") {
      if (!state.sql) return sendJson(res, 503, { status: "starting", db: "starting" });
      const db = await checkDatabase(state.sql);
      return db.ok
        ? sendJson(res, 200, { status: "ok", db: "ok" })
        : sendJson(res, 503, { status: "degraded", db: "error", reason: db.reason });
    }
    if (path === "/" && (req.method === "GET" || req.method === "HEAD")) {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      return void res.end(PLACEHOLDER_PAGE);
    }
    sendJson(res, 404, { message: "Not found" });
  };
}
