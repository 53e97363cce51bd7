import { workflows } from "@citadel/db/schema";
import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import type { ServicesContext } from "../app-context";
import { pipelineShape, workflowShape } from "../domain/api-shapes";
import { pagedList, requestedPage } from "../domain/api-shapes-paging";
import { createPipeline } from "../domain/pipelines";
import { readJson, sendJson } from "../http/body";
import { badRequest } from "../http/errors";
import type { Route } from "../http/router";
import { apiRoute, pipelineById, projectBySlug, SLUG } from "./api-v2-common";

const triggerBody = z
  .object({
    branch: z.string().min(1).max(255).optional(),
    tag: z.string().min(1).max(255).optional(),
    parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .strict();

export function apiV2PipelineRoutes(ctx: ServicesContext): Route[] {
  return [
    apiRoute(ctx, "POST", `/project/${SLUG}/pipeline`, async ({ req, res, params }, user) => {
      const project = await projectBySlug(ctx, params.slug);
      const body = await readJson(req, triggerBody, 64 * 1024);
      if (body.branch && body.tag) throw badRequest("Give a branch or a tag, not both.");
      // CircleCI falls back to the default branch; the mirror does not tell us which that is.
      if (!body.branch && !body.tag) throw badRequest("Give the branch or tag to build.");
      const created = await createPipeline(ctx, {
        project,
        branch: body.branch,
        tag: body.tag,
        parameters: body.parameters,
        trigger: { type: "api", actor: user.login },
      });
      sendJson(res, 201, {
        id: created.id,
        state: created.state,
        number: created.number,
        created_at: created.createdAt.toISOString(),
      });
    }),
    apiRoute(ctx, "GET", "/pipeline/(?<id>[^/]+)", async ({ res, params }) => {
      const { pipeline, project } = await pipelineById(ctx, params.id);
      sendJson(res, 200, pipelineShape(pipeline, project));
    }),
    apiRoute(ctx, "GET", "/pipeline/(?<id>[^/]+)/workflow", async ({ res, url, params }) => {
      const { pipeline, project } = await pipelineById(ctx, params.id);
      const page = requestedPage(url);
      const rows = await ctx.db
        .select()
        .from(workflows)
        .where(eq(workflows.pipelineId, pipeline.id))
        .orderBy(asc(workflows.createdAt), asc(workflows.id))
        .limit(page.limit + 1)
        .offset(page.offset);
      sendJson(
        res,
        200,
        pagedList(rows, page, (workflow) => workflowShape(workflow, pipeline, project)),
      );
    }),
  ];
}
