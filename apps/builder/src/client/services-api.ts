import type { Readable } from "node:stream";
import {
  type BuilderCommand,
  type ClaimResponse,
  cacheLookupResponseSchema,
  claimResponseSchema,
  type FinishRequest,
  finishConflictSchema,
  type HeartbeatRequest,
  heartbeatResponseSchema,
  type JobSpec,
  type LogChunk,
  objectStoredResponseSchema,
  protocolPaths,
  type RegisterRequest,
  registerResponseSchema,
  type StepEvent,
  type TestCase,
  tokenResponseSchema,
  workspaceLayersResponseSchema,
} from "@citadel/protocol";
import type { z } from "zod";
import { type PinnedHttpsClient, readText } from "./pinned-https";

/** A refusal from the services box, with its `{"message"}` text. */
export class ServicesRefusedError extends Error {
  override name = "ServicesRefusedError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function parse<S extends z.ZodType>(schema: S, status: number, body: string, what: string): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new ServicesRefusedError(status, `the services box answered ${what} with something that is not JSON`);
  }
  if (status >= 400) {
    const message = (json as { message?: unknown }).message;
    throw new ServicesRefusedError(status, typeof message === "string" ? message : `${what} failed with HTTP ${status}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ServicesRefusedError(status, `the services box answered ${what} in an unexpected shape`);
  return parsed.data;
}

const CLAIM_GRACE_MS = 15_000;

/** The builder protocol (packages/protocol) over a pinned HTTPS client. */
export class ServicesApi {
  private accessToken: { value: string; refreshAt: number } | null = null;

  constructor(
    private readonly http: PinnedHttpsClient,
    private readonly credential: () => string | null,
  ) {}

  async register(request: RegisterRequest) {
    const res = await this.http.send("POST", protocolPaths.register, { body: request });
    return parse(registerResponseSchema, res.status, res.body, "registration");
  }

  private async token(): Promise<string> {
    if (this.accessToken && Date.now() < this.accessToken.refreshAt) return this.accessToken.value;
    const credential = this.credential();
    if (!credential) throw new ServicesRefusedError(401, "the builder is not registered");
    const res = await this.http.send("POST", protocolPaths.token, { body: { credential } });
    const token = parse(tokenResponseSchema, res.status, res.body, "the token request");
    // Refresh at 80% of the lifetime so a slow call never carries an expired token.
    this.accessToken = { value: token.accessToken, refreshAt: Date.now() + token.expiresInSeconds * 800 };
    return token.accessToken;
  }

  async claim(freeSlots: number, waitSeconds: number): Promise<JobSpec | null> {
    const res = await this.http.send("POST", protocolPaths.claim, {
      body: { freeSlots, waitSeconds },
      token: await this.token(),
      timeoutMs: waitSeconds * 1000 + CLAIM_GRACE_MS,
    });
    const claimed: ClaimResponse = parse(claimResponseSchema, res.status, res.body, "the claim");
    return claimed.job;
  }

  async heartbeat(request: HeartbeatRequest): Promise<{ commands: BuilderCommand[]; leaseSeconds: number }> {
    const res = await this.http.send("POST", protocolPaths.heartbeat, { body: request, token: await this.token() });
    return parse(heartbeatResponseSchema, res.status, res.body, "the heartbeat");
  }

  async deregister(): Promise<void> {
    const res = await this.http.send("POST", protocolPaths.deregister, { body: {}, token: await this.token() });
    if (res.status >= 400) parse(finishConflictSchema, res.status, res.body, "the deregistration");
  }

  async stepEvent(job: JobSpec, event: StepEvent): Promise<void> {
    const res = await this.http.send("POST", protocolPaths.steps(job.jobId), { body: event, token: job.jobToken });
    if (res.status >= 400) parse(finishConflictSchema, res.status, res.body, "a step event");
  }

  async logChunks(job: JobSpec, chunks: LogChunk[]): Promise<void> {
    const res = await this.http.send("POST", protocolPaths.logs(job.jobId), { body: { chunks }, token: job.jobToken });
    if (res.status >= 400) parse(finishConflictSchema, res.status, res.body, "log chunks");
  }

  /** Returns the seqs the services box is still missing (409), or [] when the finish was accepted. */
  async finish(job: JobSpec, request: FinishRequest): Promise<number[]> {
    const res = await this.http.send("POST", protocolPaths.finish(job.jobId), { body: request, token: job.jobToken });
    if (res.status === 409) return parse(finishConflictSchema, 200, res.body, "the finish").missingSeqs;
    if (res.status >= 400) parse(finishConflictSchema, res.status, res.body, "the finish");
    return [];
  }

  /** The cache restore_cache (or, exact, save_cache) finds for these keys. */
  async cacheLookup(job: JobSpec, keys: string[], exact: boolean) {
    const res = await this.http.send("POST", protocolPaths.cacheLookup(job.jobId), {
      body: { keys, exact },
      token: job.jobToken,
    });
    return parse(cacheLookupResponseSchema, res.status, res.body, "the cache lookup");
  }

  async cacheDownload(job: JobSpec, key: string): Promise<Readable> {
    return this.download(job, protocolPaths.cache(job.jobId, key), `the cache ${key}`);
  }

  async cacheUpload(job: JobSpec, key: string, body: Readable) {
    const res = await this.http.upload("PUT", protocolPaths.cache(job.jobId, key), body, { token: job.jobToken });
    return parse(objectStoredResponseSchema, res.status, res.body, "the cache upload");
  }

  async artifactsUpload(job: JobSpec, tar: Readable) {
    const res = await this.http.upload("PUT", protocolPaths.artifacts(job.jobId), tar, { token: job.jobToken });
    return parse(objectStoredResponseSchema, res.status, res.body, "the artifacts upload");
  }

  async workspaceUpload(job: JobSpec, body: Readable) {
    const res = await this.http.upload("PUT", protocolPaths.workspace(job.jobId), body, { token: job.jobToken });
    return parse(objectStoredResponseSchema, res.status, res.body, "the workspace upload");
  }

  async workspaceLayers(job: JobSpec) {
    const res = await this.http.send("GET", protocolPaths.workspace(job.jobId), { token: job.jobToken });
    return parse(workspaceLayersResponseSchema, res.status, res.body, "the workspace listing").layers;
  }

  async workspaceDownload(job: JobSpec, layerId: string): Promise<Readable> {
    return this.download(job, protocolPaths.workspaceLayer(job.jobId, layerId), "a workspace layer");
  }

  async testResults(job: JobSpec, tests: TestCase[]): Promise<void> {
    const res = await this.http.send("POST", protocolPaths.tests(job.jobId), { body: { tests }, token: job.jobToken });
    if (res.status >= 400) parse(finishConflictSchema, res.status, res.body, "the test results");
  }

  private async download(job: JobSpec, path: string, what: string): Promise<Readable> {
    const res = await this.http.download(path, { token: job.jobToken });
    if ((res.statusCode ?? 0) >= 400)
      parse(finishConflictSchema, res.statusCode ?? 0, await readText(res), `the download of ${what}`);
    return res;
  }
}
