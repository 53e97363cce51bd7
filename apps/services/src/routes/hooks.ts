import type { IncomingMessage } from "node:http";
import { type Project, pipelines, webhookDeliveries } from "@citadel/db/schema";
import { findProject } from "@citadel/projects";
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { ServicesContext } from "../app-context";
import { MirrorError, NoSuchRevisionError } from "../domain/mirror-errors";
import { type CreatedPipeline, createPipeline } from "../domain/pipelines";
import { isDeletion, parsePushedRef, verifySignature } from "../domain/webhooks";
import { readBody, sendJson } from "../http/body";
import { HttpError } from "../http/errors";
import type { Route } from "../http/router";

// GitHub caps payloads at 25 MB, but push payloads beyond a few MB only list more commits we never read.
const MAX_HOOK_BODY = 5 * 1024 * 1024;
const MAX_GIT_HOOK_BODY = 16 * 1024;

const gitPushSchema = z.object({
  ref: z.string().min(1).max(1024),
  before: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/i, "expected an object id"),
  after: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/i, "expected an object id"),
});

const githubPushSchema = z.object({
  ref: z.string().min(1).max(1024),
  after: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/i, "expected an object id"),
  deleted: z.boolean().optional(),
  pusher: z.object({ name: z.string().optional() }).optional(),
  sender: z.object({ login: z.string().optional() }).optional(),
});

const githubRepositorySchema = z.object({ repository: z.object({ full_name: z.string().min(1).max(300) }) });

/** Webhooks from GitHub and from plain git servers' post-receive hooks. */
export function hookRoutes(ctx: ServicesContext): Route[] {
  const logger = ctx.logger.child({ module: "hooks" });
  return [
    {
      method: "POST",
      path: /^\/hooks\/github$/,
      handle: async ({ req, res }) => {
        const body = await readBody(req, MAX_HOOK_BODY);
        const event = header(req, "x-github-event");
        const delivery = header(req, "x-github-delivery");
        if (!event || !delivery) throw new HttpError(400, "Missing X-GitHub-Event or X-GitHub-Delivery header.");
        const payload = parseJson(body);
        const repository = githubRepositorySchema.safeParse(payload);
        if (!repository.success) throw new HttpError(400, "The payload names no repository.");
        const project = await findProject(ctx.db, `gh/${repository.data.repository.full_name}`);
        if (project?.vcs !== "github") throw new HttpError(404, "No project follows this repository.");
        checkSignature(ctx, project, body, req.headers["x-hub-signature-256"]);

        if (!(await claimDelivery(ctx, delivery))) return sendJson(res, 200, { message: "Duplicate delivery ignored." });
        try {
          if (event === "ping") return sendJson(res, 200, { message: "pong" });
          if (event !== "push") return sendJson(res, 202, { message: `Event ${event} ignored.` });
          const push = githubPushSchema.safeParse(payload);
          if (!push.success) throw new HttpError(400, "Invalid push payload.");
          const actor = push.data.pusher?.name ?? push.data.sender?.login ?? "github";
          if (push.data.deleted || isDeletion(push.data.after)) return sendJson(res, 202, { message: "Deleted ref ignored." });
          const pipeline = await triggerPush(ctx, project, push.data.ref, push.data.after, actor);
          if (!pipeline) return sendJson(res, 202, { message: `Ref ${push.data.ref} is not built.` });
          sendJson(res, 201, await pipelineAnswer(ctx, pipeline));
        } catch (error) {
          // A delivery that failed is not handled: GitHub's redelivery must be able to try again.
          await ctx.db.delete(webhookDeliveries).where(eq(webhookDeliveries.deliveryId, delivery));
          throw error;
        }
      },
    },
    {
      method: "POST",
      path: /^\/hooks\/git\/(?<project>.+)$/,
      handle: async ({ req, res, params }) => {
        const body = await readBody(req, MAX_GIT_HOOK_BODY);
        const project = await findProject(ctx.db, params.project ?? "");
        if (project?.vcs !== "git") throw new HttpError(404, "No such project.");
        checkSignature(ctx, project, body, req.headers["x-citadel-signature-256"]);
        const push = gitPushSchema.safeParse(parseJson(body));
        if (!push.success) {
          const issue = push.error.issues[0];
          throw new HttpError(400, `Invalid request: ${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
        }
        if (isDeletion(push.data.after)) return sendJson(res, 202, { message: "Deleted ref ignored." });
        const pipeline = await triggerPush(ctx, project, push.data.ref, push.data.after, "git-push");
        if (!pipeline) return sendJson(res, 202, { message: `Ref ${push.data.ref} is not built.` });
        logger.info({ project: project.slug, pipeline: pipeline.id }, "git push webhook handled");
        sendJson(res, 201, await pipelineAnswer(ctx, pipeline));
      },
    },
  ];
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" && value.length > 0 && value.length <= 200 ? value : undefined;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new HttpError(400, "Request body is not valid JSON.");
  }
}

function checkSignature(ctx: ServicesContext, project: Project, body: Buffer, signature: string | string[] | undefined): void {
  const secret = ctx.keyring.decrypt(project.webhookSecretEncrypted);
  if (!verifySignature(secret, body, signature)) throw new HttpError(401, "Invalid or missing webhook signature.");
}

/** True the first time a delivery id is seen. */
async function claimDelivery(ctx: ServicesContext, deliveryId: string): Promise<boolean> {
  const inserted = await ctx.db
    .insert(webhookDeliveries)
    .values({ deliveryId })
    .onConflictDoNothing()
    .returning({ id: webhookDeliveries.deliveryId });
  return inserted.length > 0;
}

async function triggerPush(
  ctx: ServicesContext,
  project: Project,
  ref: string,
  after: string,
  actor: string,
): Promise<CreatedPipeline | null> {
  const pushed = parsePushedRef(ref);
  if (pushed.kind === "other") return null;
  try {
    return await createPipeline(ctx, {
      project,
      ...(pushed.kind === "branch" ? { branch: pushed.branch } : { tag: pushed.tag }),
      revision: after,
      trigger: { type: "webhook", actor },
    });
  } catch (error) {
    if (error instanceof NoSuchRevisionError) throw new HttpError(422, error.message);
    // The git server or GitHub shows this answer to whoever pushed: say what is wrong with the mirror.
    if (error instanceof MirrorError) throw new HttpError(502, error.message);
    throw error;
  }
}

/** What the pusher sees (curl prints it in the post-receive hook): an errored pipeline says why. */
async function pipelineAnswer(ctx: ServicesContext, pipeline: CreatedPipeline) {
  const answer = {
    id: pipeline.id,
    number: pipeline.number,
    state: pipeline.state,
    created_at: pipeline.createdAt.toISOString(),
  };
  if (pipeline.state !== "errored") return answer;
  const [row] = await ctx.db.select({ errors: pipelines.errors }).from(pipelines).where(eq(pipelines.id, pipeline.id));
  return { ...answer, errors: row?.errors ?? [] };
}
