import { deleteProjectEnvVar, ENV_VAR_NAME, listProjectEnvVars, setProjectEnvVar } from "@citadel/db";
import { z } from "zod";
import type { ServicesContext } from "../app-context";
import { envVarShape } from "../domain/api-shapes";
import { pageOfAll, requestedPage } from "../domain/api-shapes-paging";
import { readJson, sendJson } from "../http/body";
import { notFound } from "../http/errors";
import type { Route } from "../http/router";
import { apiRoute, projectBySlug, SLUG } from "./api-v2-common";

/** Values are secrets: bounded, and never echoed back (errors name the field, not the value). */
const newEnvVar = z.object({
  name: z.string().regex(ENV_VAR_NAME, "must start with a letter or _ and hold only letters, digits and _").max(256),
  value: z.string().max(32 * 1024),
});

export function apiV2EnvVarRoutes(ctx: ServicesContext): Route[] {
  return [
    apiRoute(ctx, "GET", `/project/${SLUG}/envvar`, async ({ res, url, params }) => {
      const project = await projectBySlug(ctx, params.slug);
      sendJson(res, 200, pageOfAll(await listProjectEnvVars(ctx.db, project.id), requestedPage(url), envVarShape));
    }),
    apiRoute(ctx, "POST", `/project/${SLUG}/envvar`, async ({ req, res, params }) => {
      const project = await projectBySlug(ctx, params.slug);
      const input = await readJson(req, newEnvVar, 64 * 1024);
      const stored = await setProjectEnvVar(ctx.db, ctx.keyring, { projectId: project.id, ...input });
      sendJson(res, 201, envVarShape(stored));
    }),
    apiRoute(ctx, "DELETE", `/project/${SLUG}/envvar/(?<name>[^/]+)`, async ({ res, params }) => {
      const project = await projectBySlug(ctx, params.slug);
      if (!(await deleteProjectEnvVar(ctx.db, project.id, params.name ?? ""))) throw notFound("Environment variable not found.");
      sendJson(res, 200, { message: "Environment variable deleted." });
    }),
  ];
}
