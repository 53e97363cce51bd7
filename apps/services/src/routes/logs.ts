import type { ServerResponse } from "node:http";
import { jobs } from "@citadel/db/schema";
import { and, eq } from "drizzle-orm";
import type { ServicesContext } from "../app-context";
import { isTerminal } from "../domain/job-status";
import { JOB_LOG_CHANNEL, readLogChunks } from "../domain/logs";
import { notFound } from "../http/errors";
import type { Route } from "../http/router";
import { apiRoute, projectBySlug, SLUG } from "./api-v2-common";

/** Fallback re-read of a followed log when no NOTIFY arrives; also keeps proxies from closing an idle stream. */
const FOLLOW_POLL_MS = 5_000;

/**
 * `GET /api/v2/project/{slug}/job/{job-number}/output`: the job's log as text, in sequence order;
 * `?follow=1` streams it as Server-Sent Events (one event per chunk, `id` = seq, resumable with
 * Last-Event-ID) and ends with an `end` event carrying the job's status once the job has ended.
 */
export function logRoutes(ctx: ServicesContext): Route[] {
  return [
    apiRoute(ctx, "GET", `/project/${SLUG}/job/(?<number>[0-9]{1,9})/output`, async ({ req, res, url, params }) => {
      const project = await projectBySlug(ctx, params.slug);
      const [job] = await ctx.db
        .select({ id: jobs.id })
        .from(jobs)
        .where(and(eq(jobs.projectId, project.id), eq(jobs.number, Number(params.number))));
      if (!job) throw notFound("Job not found");
      if (url.searchParams.get("follow") === "1" || url.searchParams.get("follow") === "true") {
        const lastEventId = Number(req.headers["last-event-id"]);
        await followLog(ctx, res, job.id, Number.isInteger(lastEventId) ? lastEventId + 1 : 0);
        return;
      }
      const chunks = await readLogChunks(ctx.db, job.id);
      res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
      res.end(chunks.map((chunk) => chunk.data).join(""));
    }),
  ];
}

async function followLog(ctx: ServicesContext, res: ServerResponse, jobId: string, fromSeq: number): Promise<void> {
  res.writeHead(200, {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-store",
    Connection: "keep-alive",
  });
  let nextSeq = fromSeq;
  let closed = false;
  let pumping: Promise<void> | null = null;
  let again = false;

  // While the job runs only the gap-free prefix is sent, so an out-of-order chunk waits for its predecessors.
  const pumpOnce = async () => {
    const [job] = await ctx.db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, jobId));
    const ended = !job || isTerminal(job.status);
    for (const chunk of await readLogChunks(ctx.db, jobId, nextSeq)) {
      if (!ended && chunk.seq !== nextSeq) break;
      res.write(
        `id: ${chunk.seq}\n${chunk.data
          .split("\n")
          .map((line) => `data: ${line}`)
          .join("\n")}\n\n`,
      );
      nextSeq = chunk.seq + 1;
    }
    if (ended) {
      res.write(`event: end\ndata: ${JSON.stringify({ status: job?.status ?? "unknown" })}\n\n`);
      finish();
    }
  };
  const pump = () => {
    if (closed) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = pumpOnce()
      .catch((error: unknown) => {
        ctx.logger.child({ module: "logs" }).error({ err: error, jobId }, "log follow failed");
        finish();
      })
      .finally(() => {
        pumping = null;
        if (again) {
          again = false;
          pump();
        }
      });
  };

  const subscription = await ctx.database.sql.listen(JOB_LOG_CHANNEL, (payload) => {
    if (payload === jobId) pump();
  });
  const timer = setInterval(() => {
    if (!closed) res.write(":\n\n");
    pump();
  }, FOLLOW_POLL_MS);
  function finish() {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    subscription.unlisten().catch((error: unknown) => ctx.logger.warn({ err: error }, "unlisten failed"));
    res.end();
  }
  res.once("close", finish);
  pump();
}
