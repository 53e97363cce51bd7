import { jobs } from "@citadel/db/schema";
import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import type { ServicesContext } from "../app-context";
import { workflowJobShape, workflowShape } from "../domain/api-shapes";
import { pageOfAll, requestedPage } from "../domain/api-shapes-paging";
import { approveJob, cancelWorkflow, rerunWorkflow } from "../domain/workflow-state";
import { readJson, sendJson } from "../http/body";
import { badRequest, notFound } from "../http/errors";
import type { Route } from "../http/router";
import { apiRoute, isUuid, workflowById } from "./api-v2-common";

const rerunBody = z
  .object({
    from_failed: z.boolean().optional(),
    jobs: z.array(z.string()).optional(),
    enable_ssh: z.boolean().optional(),
    sparse_tree: z.boolean().optional(),
  })
  .strict();

export function apiV2WorkflowRoutes(ctx: ServicesContext): Route[] {
  return [
    apiRoute(ctx, "GET", "/workflow/(?<id>[^/]+)", async ({ res, params }) => {
      const { workflow, pipeline, project } = await workflowById(ctx, params.id);
      sendJson(res, 200, workflowShape(workflow, pipeline, project));
    }),
    apiRoute(ctx, "GET", "/workflow/(?<id>[^/]+)/job", async ({ res, url, params }) => {
      const { workflow, project } = await workflowById(ctx, params.id);
      // Read whole: dependencies point at siblings that may sit on another page.
      const rows = await ctx.db
        .select()
        .from(jobs)
        .where(eq(jobs.workflowId, workflow.id))
        .orderBy(asc(jobs.createdAt), asc(jobs.number), asc(jobs.id));
      sendJson(
        res,
        200,
        pageOfAll(rows, requestedPage(url), (job) => workflowJobShape(job, rows, project)),
      );
    }),
    apiRoute(ctx, "POST", "/workflow/(?<id>[^/]+)/cancel", async ({ res, params }) => {
      const { workflow } = await workflowById(ctx, params.id);
      await cancelWorkflow(ctx.db, workflow.id);
      sendJson(res, 202, { message: "Accepted." });
    }),
    apiRoute(ctx, "POST", "/workflow/(?<id>[^/]+)/rerun", async ({ req, res, params }) => {
      const { workflow } = await workflowById(ctx, params.id);
      const body = await readJson(req, rerunBody, 64 * 1024);
      if (body.enable_ssh) throw badRequest("Rerunning with SSH is not supported.");
      if (body.jobs && body.jobs.length > 0)
        throw badRequest("Rerunning selected jobs is not supported; rerun all or from_failed.");
      const rerun = await rerunWorkflow(ctx.db, workflow.id, { fromFailed: body.from_failed ?? false });
      sendJson(res, 202, { workflow_id: rerun.workflowId });
    }),
    apiRoute(ctx, "POST", "/workflow/(?<id>[^/]+)/approve/(?<approval>[^/]+)", async ({ res, params }, user) => {
      const { workflow } = await workflowById(ctx, params.id);
      if (!isUuid(params.approval)) throw notFound("Approval request not found.");
      await approveJob(ctx.db, workflow.id, params.approval, user.login);
      sendJson(res, 202, { message: "Accepted." });
    }),
  ];
}
