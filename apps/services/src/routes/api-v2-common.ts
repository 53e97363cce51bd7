import type { IncomingMessage } from "node:http";
import { type Pipeline, type Project, pipelines, projects, type Workflow, workflows } from "@citadel/db/schema";
import { eq } from "drizzle-orm";
import type { ServicesContext } from "../app-context";
import { MirrorError, NoSuchRevisionError } from "../domain/mirror-errors";
import { WorkflowStateError } from "../domain/workflow-state";
import { requireUser } from "../http/api-auth";
import { HttpError, notFound } from "../http/errors";
import type { Route, RouteRequest } from "../http/router";

/** A project slug inside a path: three segments, `github/` accepted for `gh/` as CircleCI does. */
export const SLUG = "(?<slug>(?:gh|github|git)/[^/]+/[^/]+)";

export const apiPath = (pattern: string) => new RegExp(`^/api/v2${pattern}$`);

export type ApiUser = Awaited<ReturnType<typeof requireUser>>;

/** An API v2 route: every one needs a user's token first; domain refusals become `{"message"}` answers. */
export function apiRoute(
  ctx: ServicesContext,
  method: Route["method"],
  pattern: string,
  handle: (request: RouteRequest, user: ApiUser) => Promise<void>,
): Route {
  return {
    method,
    path: apiPath(pattern),
    handle: async (request) => {
      const user = await requireUser(ctx, request.req);
      try {
        await handle(request, user);
      } catch (error) {
        throw asHttpError(error);
      }
    },
  };
}

/** The typed errors of the workflow state machine and the mirror carry messages meant for the API user. */
function asHttpError(error: unknown): unknown {
  if (error instanceof WorkflowStateError) return new HttpError(error.code === "not_found" ? 404 : 400, error.message);
  if (error instanceof NoSuchRevisionError) return new HttpError(400, error.message);
  // The repository could not be read (auth, host key, network): the fault is upstream of us.
  if (error instanceof MirrorError) return new HttpError(502, error.message);
  return error;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Path ids that are not UUIDs name nothing: a 404 like an unknown id, not a database error. */
export const isUuid = (value: string | undefined): value is string => value !== undefined && UUID.test(value);

export async function projectBySlug(ctx: ServicesContext, slug: string | undefined): Promise<Project> {
  const normalized = slug?.replace(/^github\//, "gh/");
  const [project] = normalized ? await ctx.db.select().from(projects).where(eq(projects.slug, normalized)) : [];
  if (!project) throw notFound("Project not found");
  return project;
}

export async function pipelineById(
  ctx: ServicesContext,
  id: string | undefined,
): Promise<{ pipeline: Pipeline; project: Project }> {
  const [row] = isUuid(id)
    ? await ctx.db.select().from(pipelines).innerJoin(projects, eq(projects.id, pipelines.projectId)).where(eq(pipelines.id, id))
    : [];
  if (!row) throw notFound("Pipeline not found");
  return { pipeline: row.pipelines, project: row.projects };
}

export async function workflowById(
  ctx: ServicesContext,
  id: string | undefined,
): Promise<{ workflow: Workflow; pipeline: Pipeline; project: Project }> {
  const [row] = isUuid(id)
    ? await ctx.db
        .select()
        .from(workflows)
        .innerJoin(pipelines, eq(pipelines.id, workflows.pipelineId))
        .innerJoin(projects, eq(projects.id, pipelines.projectId))
        .where(eq(workflows.id, id))
    : [];
  if (!row) throw notFound("Workflow not found");
  return { workflow: row.workflows, pipeline: row.pipelines, project: row.projects };
}

/** The address users reach this services box at, for `web_url` and artifact URLs. */
export function requestBaseUrl(req: IncomingMessage): string {
  return `https://${req.headers.host ?? "localhost"}`;
}
