import { artifacts, jobs, pipelines, testResults, workflows } from "@citadel/db/schema";
import { and, asc, eq } from "drizzle-orm";
import type { ServicesContext } from "../app-context";
import { jobDetailsShape } from "../domain/api-shapes";
import { pagedList, requestedPage } from "../domain/api-shapes-paging";
import { requireUser } from "../http/api-auth";
import { sendJson } from "../http/body";
import { notFound } from "../http/errors";
import type { Route } from "../http/router";
import { ObjectStore } from "../objects/object-store";
import { apiRoute, isUuid, projectBySlug, requestBaseUrl, SLUG } from "./api-v2-common";

/** A job of the project by its number; 404 `Job not found` otherwise. */
async function jobByNumber(ctx: ServicesContext, projectId: string, number: string | undefined) {
  const value = Number(number);
  const [row] = Number.isSafeInteger(value)
    ? await ctx.db
        .select()
        .from(jobs)
        .innerJoin(workflows, eq(workflows.id, jobs.workflowId))
        .innerJoin(pipelines, eq(pipelines.id, workflows.pipelineId))
        .where(and(eq(jobs.projectId, projectId), eq(jobs.number, value)))
    : [];
  if (!row) throw notFound("Job not found");
  return row;
}

export function apiV2JobRoutes(ctx: ServicesContext): Route[] {
  return [
    apiRoute(ctx, "GET", `/project/${SLUG}/job/(?<number>\\d+)`, async ({ req, res, params }) => {
      const project = await projectBySlug(ctx, params.slug);
      const row = await jobByNumber(ctx, project.id, params.number);
      sendJson(
        res,
        200,
        jobDetailsShape({
          job: row.jobs,
          workflow: row.workflows,
          pipeline: row.pipelines,
          project,
          baseUrl: requestBaseUrl(req),
        }),
      );
    }),
    apiRoute(ctx, "GET", `/project/${SLUG}/(?<number>\\d+)/artifacts`, async ({ req, res, url, params }) => {
      const project = await projectBySlug(ctx, params.slug);
      const row = await jobByNumber(ctx, project.id, params.number);
      const page = requestedPage(url);
      const rows = await ctx.db
        .select({ id: artifacts.id, path: artifacts.path })
        .from(artifacts)
        .where(eq(artifacts.jobId, row.jobs.id))
        .orderBy(asc(artifacts.path), asc(artifacts.id))
        .limit(page.limit + 1)
        .offset(page.offset);
      const base = requestBaseUrl(req);
      sendJson(
        res,
        200,
        pagedList(rows, page, (artifact) => ({
          path: artifact.path,
          node_index: 0,
          url: `${base}/artifacts/${artifact.id}/${artifact.path.split("/").map(encodeURIComponent).join("/")}`,
        })),
      );
    }),
    apiRoute(ctx, "GET", `/project/${SLUG}/(?<number>\\d+)/tests`, async ({ res, url, params }) => {
      const project = await projectBySlug(ctx, params.slug);
      const row = await jobByNumber(ctx, project.id, params.number);
      const page = requestedPage(url);
      const rows = await ctx.db
        .select()
        .from(testResults)
        .where(eq(testResults.jobId, row.jobs.id))
        .orderBy(asc(testResults.classname), asc(testResults.name), asc(testResults.id))
        .limit(page.limit + 1)
        .offset(page.offset);
      sendJson(
        res,
        200,
        pagedList(rows, page, (test) => ({
          message: test.message ?? "",
          source: "junit",
          run_time: (test.runTime ?? 0) / 1000,
          file: test.file ?? "",
          result: test.result,
          name: test.name,
          classname: test.classname,
        })),
      );
    }),
    artifactDownloadRoute(ctx),
  ];
}

/** The `url` of an artifact: its bytes, for a user with an API token (as CircleCI's artifact URLs). */
function artifactDownloadRoute(ctx: ServicesContext): Route {
  const store = new ObjectStore(ctx.objectsDir);
  return {
    method: "GET",
    path: /^\/artifacts\/(?<id>[^/]+)\/(?<path>.+)$/,
    handle: async ({ req, res, params }) => {
      await requireUser(ctx, req);
      const [artifact] = isUuid(params.id) ? await ctx.db.select().from(artifacts).where(eq(artifacts.id, params.id)) : [];
      if (!artifact || artifact.path !== params.path) throw notFound("Artifact not found");
      await store.send(res, artifact.objectKey, {
        "Content-Disposition": `attachment; filename="${encodeURIComponent(artifact.path.split("/").pop() ?? "artifact")}"`,
        "X-Content-Type-Options": "nosniff",
      });
    },
  };
}
