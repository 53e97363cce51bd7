import type { ServicesContext } from "../app-context";
import { userShape } from "../domain/api-shapes";
import { sendJson } from "../http/body";
import type { Route } from "../http/router";
import { apiRoute } from "./api-v2-common";

export function apiV2MeRoutes(ctx: ServicesContext): Route[] {
  return [apiRoute(ctx, "GET", "/me", async ({ res }, user) => sendJson(res, 200, userShape(user)))];
}
