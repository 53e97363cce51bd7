import { checkDatabase } from "@citadel/db";
import type { ServicesContext } from "../app-context";
import { sendJson } from "../http/body";
import type { Route } from "../http/router";

export function healthRoutes(ctx: ServicesContext): Route[] {
  return [
    {
      method: "GET",
      path: /^\/healthz$/,
      handle: async ({ res }) => {
        const db = await checkDatabase(ctx.database.sql);
        sendJson(
          res,
          db.ok ? 200 : 503,
          db.ok ? { status: "ok", db: "ok" } : { status: "degraded", db: "error", reason: db.reason },
        );
      },
    },
  ];
}
