import type { ServicesContext } from "../app-context";
import type { Route } from "../http/router";
import { apiV2Routes } from "./api-v2";
import { builderRoutes } from "./builder";
import { builderObjectRoutes } from "./builder-objects";
import { healthRoutes } from "./health";
import { hookRoutes } from "./hooks";
import { logRoutes } from "./logs";

/** Every route of the services box; each domain keeps its routes in its own file. */
export function allRoutes(ctx: ServicesContext): Route[] {
  return [
    ...healthRoutes(ctx),
    ...apiV2Routes(ctx),
    ...hookRoutes(ctx),
    ...builderRoutes(ctx, { leaseSeconds: ctx.env.CITADEL_JOB_LEASE_SECONDS }),
    ...builderObjectRoutes(ctx),
    ...logRoutes(ctx),
  ];
}
