import { deregisterBuilder, UnknownContextError } from "@citadel/db";
import { jobs } from "@citadel/db/schema";
import {
  claimRequestSchema,
  finishRequestSchema,
  heartbeatRequestSchema,
  logChunksRequestSchema,
  MAX_BUILDER_BODY_BYTES,
  PROTOCOL_PREFIX,
  registerRequestSchema,
  stepEventSchema,
  tokenRequestSchema,
} from "@citadel/protocol";
import { and, eq } from "drizzle-orm";
import type { ServicesContext } from "../app-context";
import { verifyAccessToken, verifyJobToken } from "../domain/builder-tokens";
import { accessTokenFor, registerBuilder } from "../domain/builders";
import { buildJobSpec } from "../domain/job-spec";
import { appendLogChunks, missingLogSeqs } from "../domain/logs";
import { claimJob, DEFAULT_LEASE_SECONDS, finishJob, heartbeat, recordStepEvent, runningJobOf } from "../domain/queue";
import { waitForQueuedJob } from "../domain/queue-signal";
import { readJson, sendJson } from "../http/body";
import { HttpError } from "../http/errors";
import type { Route } from "../http/router";

const SMALL_BODY = 64 * 1024;
/** Between two claim attempts of a long poll when no NOTIFY arrives (another instance's queueing is also announced). */
const CLAIM_RETRY_MS = 2_000;

export interface BuilderRouteOptions {
  /** Lease of a claimed job, renewed by each heartbeat (tests shorten it). */
  leaseSeconds?: number;
}

const prefix = PROTOCOL_PREFIX.replaceAll("/", "\\/");
const path = (rest: string) => new RegExp(`^${prefix}${rest}$`);
const JOB = "\\/jobs\\/(?<jobId>[0-9a-fA-F-]{36})";

/** The builder protocol (packages/protocol), opened by builders only. */
export function builderRoutes(ctx: ServicesContext, options: BuilderRouteOptions = {}): Route[] {
  const leaseSeconds = options.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  const log = ctx.logger.child({ module: "builder-protocol" });
  return [
    {
      method: "POST",
      path: path("\\/register"),
      handle: async ({ req, res }) => {
        sendJson(res, 201, await registerBuilder(ctx, await readJson(req, registerRequestSchema, SMALL_BODY)));
      },
    },
    {
      method: "POST",
      path: path("\\/token"),
      handle: async ({ req, res }) => {
        const { credential } = await readJson(req, tokenRequestSchema, SMALL_BODY);
        sendJson(res, 200, await accessTokenFor(ctx, credential));
      },
    },
    {
      method: "POST",
      path: path("\\/claim"),
      handle: async ({ req, res }) => {
        const builderId = await verifyAccessToken(ctx, req);
        const claim = await readJson(req, claimRequestSchema, SMALL_BODY);
        let gone = false;
        res.once("close", () => {
          gone = true;
        });
        const deadline = Date.now() + claim.waitSeconds * 1000;
        while (claim.freeSlots > 0 && !gone) {
          const jobId = await claimJob(ctx.db, builderId, leaseSeconds);
          if (jobId) {
            try {
              return sendJson(res, 200, { job: await buildJobSpec(ctx, jobId, builderId) });
            } catch (error) {
              if (!(error instanceof UnknownContextError)) throw error;
              await finishJob(ctx.db, jobId, builderId, { status: "failed", reason: error.message, logChunkCount: 0 });
              log.warn({ jobId }, "job failed before start: it uses a context that does not exist");
              continue;
            }
          }
          const remaining = deadline - Date.now();
          if (remaining <= 0) break;
          await waitForQueuedJob(ctx, Math.min(remaining, CLAIM_RETRY_MS));
        }
        if (!gone) sendJson(res, 200, { job: null });
      },
    },
    {
      method: "POST",
      path: path("\\/heartbeat"),
      handle: async ({ req, res }) => {
        const builderId = await verifyAccessToken(ctx, req);
        const beat = await readJson(req, heartbeatRequestSchema, SMALL_BODY);
        sendJson(res, 200, { commands: await heartbeat(ctx.db, builderId, beat, leaseSeconds), leaseSeconds });
      },
    },
    {
      method: "POST",
      path: path("\\/deregister"),
      handle: async ({ req, res }) => {
        const builderId = await verifyAccessToken(ctx, req);
        const running = await ctx.db
          .select({ id: jobs.id })
          .from(jobs)
          .where(and(eq(jobs.builderId, builderId), eq(jobs.status, "running")));
        if (running.length > 0) {
          throw new HttpError(409, `The builder still runs ${running.length} job(s): drain it first.`);
        }
        await deregisterBuilder(ctx.db, builderId);
        log.info({ builderId }, "builder deregistered");
        sendJson(res, 200, { ok: true });
      },
    },
    {
      method: "POST",
      path: path(`${JOB}\\/steps`),
      handle: async ({ req, res, params }) => {
        const jobId = params.jobId ?? "";
        const builderId = await verifyJobToken(ctx, req, jobId);
        const event = await readJson(req, stepEventSchema, SMALL_BODY);
        await runningJobOf(ctx.db, jobId, builderId);
        await recordStepEvent(ctx.db, jobId, event);
        sendJson(res, 200, { ok: true });
      },
    },
    {
      method: "POST",
      path: path(`${JOB}\\/logs`),
      handle: async ({ req, res, params }) => {
        const jobId = params.jobId ?? "";
        const builderId = await verifyJobToken(ctx, req, jobId);
        const { chunks } = await readJson(req, logChunksRequestSchema, MAX_BUILDER_BODY_BYTES);
        await runningJobOf(ctx.db, jobId, builderId);
        sendJson(res, 200, { stored: await appendLogChunks(ctx.db, jobId, chunks) });
      },
    },
    {
      method: "POST",
      path: path(`${JOB}\\/finish`),
      handle: async ({ req, res, params }) => {
        const jobId = params.jobId ?? "";
        const builderId = await verifyJobToken(ctx, req, jobId);
        const finish = await readJson(req, finishRequestSchema, SMALL_BODY);
        await runningJobOf(ctx.db, jobId, builderId);
        const missingSeqs = await missingLogSeqs(ctx.db, jobId, finish.logChunkCount);
        if (missingSeqs.length > 0) {
          return sendJson(res, 409, { message: "Log chunks are missing: send them, then finish again.", missingSeqs });
        }
        await finishJob(ctx.db, jobId, builderId, finish);
        sendJson(res, 200, { ok: true });
      },
    },
  ];
}
