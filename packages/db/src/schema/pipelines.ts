import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { builders } from "./builders";
import { projects } from "./projects";

/** CircleCI pipeline states. */
export const PIPELINE_STATES = ["created", "errored", "setup-pending", "setup", "pending"] as const;

export const pipelines = pgTable(
  "pipelines",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    /** Per-project sequence, as CircleCI numbers pipelines. */
    number: integer("number").notNull(),
    state: text("state", { enum: PIPELINE_STATES }).notNull(),
    /** `{ type: "webhook" | "api" | "schedule", actor, receivedAt }` */
    trigger: jsonb("trigger").$type<Record<string, unknown>>().notNull(),
    /** `{ branch?, tag?, revision, originRepositoryUrl, commitSubject? }` */
    vcs: jsonb("vcs").$type<Record<string, unknown>>().notNull(),
    parameters: jsonb("parameters").$type<Record<string, unknown>>().notNull().default({}),
    /** Config errors (`{ message, path?, line?, column? }[]`) when state is `errored`. */
    errors: jsonb("errors").$type<Array<Record<string, unknown>>>().notNull().default([]),
    /** The compiled plan (packages/pipeline CompiledPipeline). */
    plan: jsonb("plan").$type<Record<string, unknown> | null>(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("pipelines_project_number").on(t.projectId, t.number)],
);

/** CircleCI workflow statuses. */
export const WORKFLOW_STATUSES = ["success", "running", "not_run", "failed", "error", "failing", "on_hold", "canceled"] as const;

export const workflows = pgTable(
  "workflows",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    pipelineId: uuid("pipeline_id")
      .notNull()
      .references(() => pipelines.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    status: text("status", { enum: WORKFLOW_STATUSES }).notNull(),
    /** Set on workflows created by a rerun: the workflow they rerun. */
    rerunOf: uuid("rerun_of"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    stoppedAt: timestamp("stopped_at", { withTimezone: true }),
  },
  (t) => [index("workflows_pipeline").on(t.pipelineId)],
);

/** Job states: CircleCI's words, plus `blocked` (waiting for requirements) and `on_hold` (approval). */
export const JOB_STATUSES = [
  "blocked",
  "queued",
  "running",
  "success",
  "failed",
  "canceled",
  "timedout",
  "infrastructure_fail",
  "not_run",
  "on_hold",
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const jobs = pgTable(
  "jobs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workflowId: uuid("workflow_id")
      .notNull()
      .references(() => workflows.id, { onDelete: "cascade" }),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    /** Project-wide job number (CircleCI's `job_number`); approvals have none. */
    number: integer("number"),
    name: text("name").notNull(),
    type: text("type", { enum: ["build", "approval"] }).notNull(),
    status: text("status", { enum: JOB_STATUSES }).notNull(),
    /** The planned job (packages/pipeline PlannedJob): executor, steps, requires, contexts. */
    spec: jsonb("spec").$type<Record<string, unknown>>().notNull(),
    /** 1 for the first run; an automatic retry after infrastructure_fail is attempt 2. */
    attempt: integer("attempt").notNull().default(1),
    retryOf: uuid("retry_of"),
    builderId: uuid("builder_id").references(() => builders.id, { onDelete: "set null" }),
    leaseExpiresAt: timestamp("lease_expires_at", { withTimezone: true }),
    cancelRequested: boolean("cancel_requested").notNull().default(false),
    /** Why the job ended the way it did (infrastructure errors, timeouts), for people. */
    statusReason: text("status_reason"),
    approvedBy: text("approved_by"),
    queuedAt: timestamp("queued_at", { withTimezone: true }),
    startedAt: timestamp("started_at", { withTimezone: true }),
    stoppedAt: timestamp("stopped_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("jobs_workflow").on(t.workflowId),
    uniqueIndex("jobs_project_number").on(t.projectId, t.number),
    // The claim query scans queued jobs oldest first.
    index("jobs_queued").on(t.queuedAt).where(sql`${t.status} = 'queued'`),
    index("jobs_running_lease").on(t.leaseExpiresAt).where(sql`${t.status} = 'running'`),
  ],
);

export const jobSteps = pgTable(
  "job_steps",
  {
    jobId: uuid("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    index: integer("index").notNull(),
    name: text("name").notNull(),
    status: text("status", { enum: ["running", "success", "failed", "canceled", "timedout", "skipped"] }).notNull(),
    exitCode: integer("exit_code"),
    startedAt: timestamp("started_at", { withTimezone: true }),
    stoppedAt: timestamp("stopped_at", { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.index] })],
);

/** Job output, in sequence-numbered chunks; a retried chunk (same seq) is stored once. */
export const logChunks = pgTable(
  "log_chunks",
  {
    jobId: uuid("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    step: integer("step"),
    data: text("data").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.seq] })],
);

export const artifacts = pgTable(
  "artifacts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    jobId: uuid("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    path: text("path").notNull(),
    /** Location in the object store, relative to <data>/objects. */
    objectKey: text("object_key").notNull(),
    size: bigint("size", { mode: "number" }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("artifacts_job").on(t.jobId)],
);

export const testResults = pgTable(
  "test_results",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    jobId: uuid("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    classname: text("classname").notNull().default(""),
    file: text("file"),
    result: text("result", { enum: ["success", "failure", "skipped", "error"] }).notNull(),
    message: text("message"),
    runTime: integer("run_time_ms"),
  },
  (t) => [index("test_results_job").on(t.jobId)],
);

export type Pipeline = typeof pipelines.$inferSelect;
export type Workflow = typeof workflows.$inferSelect;
export type Job = typeof jobs.$inferSelect;
