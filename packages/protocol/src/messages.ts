import { z } from "zod";
import { jobSpecSchema } from "./job-spec";

/** Bumped on incompatible changes; the path prefix carries it. */
export const PROTOCOL_VERSION = 1;
export const PROTOCOL_PREFIX = `/api/builder/v${PROTOCOL_VERSION}`;

/** Endpoints, relative to the services URL. Job-scoped calls authenticate with that job's token. */
export const protocolPaths = {
  register: `${PROTOCOL_PREFIX}/register`,
  token: `${PROTOCOL_PREFIX}/token`,
  claim: `${PROTOCOL_PREFIX}/claim`,
  heartbeat: `${PROTOCOL_PREFIX}/heartbeat`,
  /** A drained builder leaves the fleet; its credential stops working. */
  deregister: `${PROTOCOL_PREFIX}/deregister`,
  steps: (jobId: string) => `${PROTOCOL_PREFIX}/jobs/${encodeURIComponent(jobId)}/steps`,
  logs: (jobId: string) => `${PROTOCOL_PREFIX}/jobs/${encodeURIComponent(jobId)}/logs`,
  finish: (jobId: string) => `${PROTOCOL_PREFIX}/jobs/${encodeURIComponent(jobId)}/finish`,
  /** POST {keys} → {key}: the cache restore_cache would take. */
  cacheLookup: (jobId: string) => `${PROTOCOL_PREFIX}/jobs/${encodeURIComponent(jobId)}/caches/lookup`,
  /** GET (download) or PUT (save, a gzipped tar) one cache by its exact key: `?key=`. */
  cache: (jobId: string, key: string) =>
    `${PROTOCOL_PREFIX}/jobs/${encodeURIComponent(jobId)}/caches?key=${encodeURIComponent(key)}`,
  /** PUT a tar whose entry names are the artifact paths. */
  artifacts: (jobId: string) => `${PROTOCOL_PREFIX}/jobs/${encodeURIComponent(jobId)}/artifacts`,
  /** PUT a gzipped tar (one persist_to_workspace layer); GET → the layers this job attaches. */
  workspace: (jobId: string) => `${PROTOCOL_PREFIX}/jobs/${encodeURIComponent(jobId)}/workspace`,
  workspaceLayer: (jobId: string, layerId: string) =>
    `${PROTOCOL_PREFIX}/jobs/${encodeURIComponent(jobId)}/workspace/${encodeURIComponent(layerId)}`,
  /** POST parsed JUnit test cases. */
  tests: (jobId: string) => `${PROTOCOL_PREFIX}/jobs/${encodeURIComponent(jobId)}/tests`,
} as const;

/** The longest a claim may wait for a job before answering `{ job: null }`. */
export const MAX_CLAIM_WAIT_SECONDS = 30;
/** Largest request body the services box accepts on builder routes (a batch of log chunks). */
export const MAX_BUILDER_BODY_BYTES = 2 * 1024 * 1024;
export const MAX_LOG_CHUNK_CHARS = 256 * 1024;

const id = z.uuid();
const shortText = z.string().min(1).max(200);

export const registerRequestSchema = z.object({
  joinToken: z.string().min(1).max(4096),
  name: shortText,
  host: shortText,
  runtime: z.enum(["docker", "lxc", "machine"]),
  version: z.string().min(1).max(100),
  slots: z.number().int().min(1).max(1024),
});
export type RegisterRequest = z.infer<typeof registerRequestSchema>;

export const registerResponseSchema = z.object({
  protocolVersion: z.literal(PROTOCOL_VERSION),
  builderId: id,
  /** Long-lived; shown once, stored by the builder (the services box keeps only its SHA-256). */
  credential: z.string(),
});
export type RegisterResponse = z.infer<typeof registerResponseSchema>;

export const tokenRequestSchema = z.object({ credential: z.string().min(1).max(512) });
export const tokenResponseSchema = z.object({ accessToken: z.string(), expiresInSeconds: z.number().int() });
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

export const claimRequestSchema = z.object({
  freeSlots: z.number().int().min(0).max(1024),
  /** Long-poll: how long to wait for a job when none is queued. */
  waitSeconds: z.number().min(0).max(MAX_CLAIM_WAIT_SECONDS).default(MAX_CLAIM_WAIT_SECONDS),
});
export type ClaimRequest = z.input<typeof claimRequestSchema>;
export const claimResponseSchema = z.object({ job: jobSpecSchema.nullable() });
export type ClaimResponse = z.infer<typeof claimResponseSchema>;

export const heartbeatRequestSchema = z.object({
  state: z.enum(["active", "draining"]),
  freeSlots: z.number().int().min(0).max(1024),
  runningJobIds: z.array(id).max(1024),
});
export type HeartbeatRequest = z.infer<typeof heartbeatRequestSchema>;

export const builderCommandSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("cancel"), jobId: id }),
  z.object({ type: z.literal("drain") }),
]);
export type BuilderCommand = z.infer<typeof builderCommandSchema>;
export const heartbeatResponseSchema = z.object({
  commands: z.array(builderCommandSchema),
  /** How long a running job's lease lasts from now; heartbeat well before it lapses. */
  leaseSeconds: z.number().int(),
});
export type HeartbeatResponse = z.infer<typeof heartbeatResponseSchema>;

export const STEP_STATUSES = ["success", "failed", "canceled", "timedout", "skipped"] as const;
export const stepEventSchema = z.discriminatedUnion("event", [
  z.object({ event: z.literal("start"), index: z.number().int().min(0).max(10_000), name: z.string().min(1).max(1000) }),
  z.object({
    event: z.literal("finish"),
    index: z.number().int().min(0).max(10_000),
    name: z.string().min(1).max(1000),
    status: z.enum(STEP_STATUSES),
    exitCode: z.number().int().nullable(),
  }),
]);
export type StepEvent = z.infer<typeof stepEventSchema>;

export const logChunkSchema = z.object({
  /** 0, 1, 2, ... per job: a resent chunk (same seq) is stored once; order comes from seq, not arrival. */
  seq: z.number().int().min(0).max(2_000_000_000),
  /** The step the output belongs to; null for output outside steps. */
  step: z.number().int().min(0).max(10_000).nullable(),
  data: z.string().max(MAX_LOG_CHUNK_CHARS),
});
export type LogChunk = z.infer<typeof logChunkSchema>;
export const logChunksRequestSchema = z.object({ chunks: z.array(logChunkSchema).min(1).max(1000) });
export const logChunksResponseSchema = z.object({ stored: z.number().int() });

export const FINISH_STATUSES = ["success", "failed", "canceled", "timedout", "infrastructure_fail"] as const;
export type FinishStatus = (typeof FINISH_STATUSES)[number];
export const finishRequestSchema = z.object({
  status: z.enum(FINISH_STATUSES),
  reason: z.string().max(2000).nullable().default(null),
  /** How many chunks the builder sent (seq 0..n-1): a finish with chunks missing is refused (409) until they arrive. */
  logChunkCount: z.number().int().min(0),
});
export type FinishRequest = z.input<typeof finishRequestSchema>;
export const finishConflictSchema = z.object({ message: z.string(), missingSeqs: z.array(z.number().int()) });

export const cacheLookupRequestSchema = z.object({
  /** Tried in order; each matches the newest cache whose key starts with it. */
  keys: z.array(z.string().min(1).max(1000)).min(1).max(50),
  /** Only an identical key matches (save_cache asks whether its key is taken). */
  exact: z.boolean().default(false),
});
export const cacheLookupResponseSchema = z.object({
  key: z.string().nullable(),
  size: z.number().int().nullable(),
  /** The job number that saved it, for the log line CircleCI prints. */
  savedByJob: z.number().int().nullable(),
});
export const objectStoredResponseSchema = z.object({ stored: z.boolean(), files: z.number().int(), bytes: z.number().int() });

export const workspaceLayersResponseSchema = z.object({
  layers: z.array(z.object({ id: id, jobName: z.string(), size: z.number().int() })),
});

export const TEST_RESULTS = ["success", "failure", "skipped", "error"] as const;
export const testCaseSchema = z.object({
  name: z.string().max(2000),
  classname: z.string().max(2000),
  file: z.string().max(2000).nullable(),
  result: z.enum(TEST_RESULTS),
  message: z.string().max(20_000).nullable(),
  runTimeMs: z.number().int().min(0).nullable(),
});
export type TestCase = z.infer<typeof testCaseSchema>;
export const MAX_TEST_CASES_PER_REQUEST = 1000;
export const testResultsRequestSchema = z.object({ tests: z.array(testCaseSchema).min(1).max(MAX_TEST_CASES_PER_REQUEST) });

export const errorResponseSchema = z.object({ message: z.string() });
