import type { IncomingMessage } from "node:http";
import { testResults } from "@citadel/db/schema";
import { cacheLookupRequestSchema, PROTOCOL_PREFIX, testResultsRequestSchema } from "@citadel/protocol";
import type { ServicesContext } from "../app-context";
import { verifyJobToken } from "../domain/builder-tokens";
import { runningJobOf } from "../domain/queue";
import { readJson, sendJson } from "../http/body";
import { HttpError } from "../http/errors";
import type { Route } from "../http/router";
import { storeArtifacts } from "../objects/artifacts";
import { findCache, recordCache } from "../objects/caches";
import { ObjectStore } from "../objects/object-store";
import { layersToAttach, recordLayer } from "../objects/workspaces";

const prefix = PROTOCOL_PREFIX.replaceAll("/", "\\/");
const JOB = "\\/jobs\\/(?<jobId>[0-9a-fA-F-]{36})";
const path = (rest: string) => new RegExp(`^${prefix}${JOB}${rest}$`);
const TEST_RESULTS_BODY = 8 * 1024 * 1024;

/** Caches, artifacts, workspaces and test results: what a running job moves through its builder. */
export function builderObjectRoutes(ctx: ServicesContext): Route[] {
  const store = new ObjectStore(ctx.objectsDir);
  const runningJob = async (req: IncomingMessage, jobId: string | undefined) => {
    const id = jobId ?? "";
    return runningJobOf(ctx.db, id, await verifyJobToken(ctx, req, id));
  };
  return [
    {
      method: "POST",
      path: path("\\/caches\\/lookup"),
      handle: async ({ req, res, params }) => {
        const job = await runningJob(req, params.jobId);
        const { keys, exact } = await readJson(req, cacheLookupRequestSchema);
        const match = await findCache(ctx.db, job.projectId, keys, exact);
        sendJson(res, 200, { key: match?.key ?? null, size: match?.size ?? null, savedByJob: match?.savedByJob ?? null });
      },
    },
    {
      method: "GET",
      path: path("\\/caches"),
      handle: async ({ req, res, url, params }) => {
        const job = await runningJob(req, params.jobId);
        const match = await findCache(ctx.db, job.projectId, [requiredKey(url)], true);
        if (!match) throw new HttpError(404, "No cache with that key.");
        await store.send(res, match.objectKey);
      },
    },
    {
      method: "PUT",
      path: path("\\/caches"),
      handle: async ({ req, res, url, params }) => {
        const job = await runningJob(req, params.jobId);
        const key = requiredKey(url);
        if (await findCache(ctx.db, job.projectId, [key], true)) {
          req.resume();
          return sendJson(res, 200, { stored: false, files: 0, bytes: 0 });
        }
        const object = await store.write(store.newKey("caches", job.projectId), req, `the cache ${key}`);
        const stored = await store.keepIf(object.objectKey, () =>
          recordCache(ctx.db, { projectId: job.projectId, jobId: job.id, key, ...object }),
        );
        sendJson(res, stored ? 201 : 200, { stored, files: 1, bytes: object.size });
      },
    },
    {
      method: "PUT",
      path: path("\\/artifacts"),
      handle: async ({ req, res, params }) => {
        const job = await runningJob(req, params.jobId);
        const result = await storeArtifacts(ctx.db, store, job.id, req);
        sendJson(res, 201, { stored: true, ...result });
      },
    },
    {
      method: "PUT",
      path: path("\\/workspace"),
      handle: async ({ req, res, params }) => {
        const job = await runningJob(req, params.jobId);
        const object = await store.write(store.newKey("workspaces", job.workflowId), req, "a workspace layer");
        await store.keepIf(object.objectKey, async () => {
          await recordLayer(ctx.db, { workflowId: job.workflowId, jobId: job.id, jobName: job.name, ...object });
          return true;
        });
        sendJson(res, 201, { stored: true, files: 1, bytes: object.size });
      },
    },
    {
      method: "GET",
      path: path("\\/workspace"),
      handle: async ({ req, res, params }) => {
        const job = await runningJob(req, params.jobId);
        const layers = await layersToAttach(ctx.db, job);
        sendJson(res, 200, { layers: layers.map((l) => ({ id: l.id, jobName: l.jobName, size: l.size })) });
      },
    },
    {
      method: "GET",
      path: path("\\/workspace\\/(?<layerId>[0-9a-fA-F-]{36})"),
      handle: async ({ req, res, params }) => {
        const job = await runningJob(req, params.jobId);
        const layer = (await layersToAttach(ctx.db, job)).find((l) => l.id === params.layerId);
        if (!layer) throw new HttpError(404, "No such workspace layer for this job.");
        await store.send(res, layer.objectKey);
      },
    },
    {
      method: "POST",
      path: path("\\/tests"),
      handle: async ({ req, res, params }) => {
        const job = await runningJob(req, params.jobId);
        const { tests } = await readJson(req, testResultsRequestSchema, TEST_RESULTS_BODY);
        await ctx.db
          .insert(testResults)
          .values(tests.map(({ runTimeMs, ...test }) => ({ ...test, runTime: runTimeMs, jobId: job.id })));
        sendJson(res, 200, { stored: tests.length });
      },
    },
  ];
}

function requiredKey(url: URL): string {
  const key = url.searchParams.get("key");
  if (!key || key.length > 1000) throw new HttpError(400, "A cache key (`?key=`, at most 1000 characters) is required.");
  return key;
}
