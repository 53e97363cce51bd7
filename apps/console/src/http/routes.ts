import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { checkDatabase } from "@citadel/db";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import type { AppContext } from "../app-context";
import { auditCsv } from "../domain/audit-query";
import { SESSION_COOKIE, type Session, sessionFromToken } from "../domain/auth";
import { handleBackupTransfer } from "../domain/backup-transfer";
import { appRouter } from "../trpc/router";
import { clearSessionCookie, readCookie, setSessionCookie } from "./cookies";
import { isSameOriginOrSafe } from "./same-origin";
import { cspWithNonce } from "./security-headers";
import { type Handler, sendJson } from "./server";

export interface RouteState {
  /** Null until the database is open and migrated. */
  app: AppContext | null;
  /** Next.js's request handler, once prepared. */
  next: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | null;
}

/** Pages a visitor without an admin session may load; every other page redirects to /login. */
const PUBLIC_PAGES = new Set(["/login", "/setup-password"]);
const MAX_TRPC_BODY = 1024 * 1024;

export function consoleRoutes(state: RouteState): Handler {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: "/api/trpc/",
    maxBodySize: MAX_TRPC_BODY,
    createContext: async ({ req, res }) => {
      const app = state.app as AppContext;
      return {
        app,
        session: await sessionOf(app, req),
        ip: req.socket.remoteAddress ?? null,
        setSessionCookie: (token: string, maxAge: number) => setSessionCookie(res, token, maxAge),
        clearSessionCookie: () => clearSessionCookie(res),
      };
    },
    onError: ({ error, path }) => {
      if (error.code === "INTERNAL_SERVER_ERROR") state.app?.logger.error({ err: error.cause ?? error, path }, "api error");
    },
  });

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "https://console");
    const path = url.pathname;
    if (path === "/healthz") return healthz(state, res);
    if (!isSameOriginOrSafe(req)) return sendJson(res, 403, { message: "Cross-origin request refused." });
    const app = state.app;
    if (!app) return sendJson(res, 503, { message: "The console is starting; try again in a moment." });

    if (path.startsWith("/api/trpc/")) return trpc(req, res);
    if (path === "/api/audit.csv") {
      if ((await sessionOf(app, req))?.kind !== "admin") return sendJson(res, 401, { message: "Sign in as the admin first." });
      return streamAuditCsv(app, url, res);
    }
    if (path.startsWith("/api/backups/")) {
      if ((await sessionOf(app, req))?.kind !== "admin") return sendJson(res, 401, { message: "Sign in as the admin first." });
      return handleBackupTransfer(app, req, res, url, (status, body) => sendJson(res, status, body));
    }
    if (path.startsWith("/api/")) return sendJson(res, 404, { message: "Not found" });
    if (!state.next) return sendJson(res, 503, { message: "The console UI is starting; try again in a moment." });

    const isAsset = path.startsWith("/_next/") || path === "/favicon.ico";
    if (!isAsset && !PUBLIC_PAGES.has(path)) {
      const session = await sessionOf(app, req);
      if (session?.kind !== "admin") {
        res.writeHead(303, { Location: session?.kind === "bootstrap" ? "/setup-password" : "/login" });
        return void res.end();
      }
    }
    // Next.js reads the nonce from the request's CSP header and puts it on its own scripts.
    const nonce = randomBytes(16).toString("base64");
    const csp = cspWithNonce(nonce);
    req.headers["content-security-policy"] = csp;
    res.setHeader("Content-Security-Policy", csp);
    return state.next(req, res);
  };
}

async function sessionOf(app: AppContext, req: IncomingMessage): Promise<Session | null> {
  return sessionFromToken(app.db, app.keyring, readCookie(req, SESSION_COOKIE));
}

async function healthz(state: RouteState, res: ServerResponse): Promise<void> {
  if (!state.app) return sendJson(res, 503, { status: "starting", db: "starting" });
  const db = await checkDatabase(state.app.database.sql);
  return db.ok
    ? sendJson(res, 200, { status: "ok", db: "ok" })
    : sendJson(res, 503, { status: "degraded", db: "error", reason: db.reason });
}

async function streamAuditCsv(app: AppContext, url: URL, res: ServerResponse): Promise<void> {
  const date = (name: string) => {
    const value = url.searchParams.get(name);
    return value ? new Date(value) : undefined;
  };
  res.writeHead(200, {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": 'attachment; filename="citadel-audit.csv"',
    "Cache-Control": "no-store",
  });
  const filter = {
    action: url.searchParams.get("action") ?? undefined,
    actor: url.searchParams.get("actor") ?? undefined,
    since: date("since"),
    until: date("until"),
  };
  for await (const chunk of auditCsv(app.db, filter)) {
    if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve));
  }
  res.end();
}
