import type { ServicesContext } from "../app-context";
import type { Route } from "../http/router";
import { apiV2EnvVarRoutes } from "./api-v2-envvars";
import { apiV2JobRoutes } from "./api-v2-jobs";
import { apiV2MeRoutes } from "./api-v2-me";
import { apiV2PipelineRoutes } from "./api-v2-pipelines";
import { apiV2WorkflowRoutes } from "./api-v2-workflows";

/** The CircleCI API v2 subset, one file per resource; every route needs a `Circle-Token`. */
export function apiV2Routes(ctx: ServicesContext): Route[] {
  return [
    ...apiV2MeRoutes(ctx),
    ...apiV2PipelineRoutes(ctx),
    ...apiV2WorkflowRoutes(ctx),
    ...apiV2JobRoutes(ctx),
    ...apiV2EnvVarRoutes(ctx),
  ];
}
