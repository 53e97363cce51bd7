import { bigint, index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { jobs, workflows } from "./pipelines";
import { projects } from "./projects";

/**
 * Saved caches (`save_cache`), per project. A key is written once and never replaced, as in
 * CircleCI; `restore_cache` finds the newest cache whose key starts with the asked prefix.
 */
export const caches = pgTable(
  "caches",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    /** The job that saved it (kept when the job is deleted, for the cache's sake). */
    jobId: uuid("job_id").references(() => jobs.id, { onDelete: "set null" }),
    /** Location in the object store, relative to <data>/objects. */
    objectKey: text("object_key").notNull(),
    size: bigint("size", { mode: "number" }).notNull(),
    sha256: text("sha256").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("caches_project_key").on(t.projectId, t.key)],
);

/** One `persist_to_workspace` step's files: a layer that later jobs of the workflow attach, in order. */
export const workspaceLayers = pgTable(
  "workspace_layers",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workflowId: uuid("workflow_id")
      .notNull()
      .references(() => workflows.id, { onDelete: "cascade" }),
    jobId: uuid("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    /** The job's name in the workflow: attach_workspace takes layers of the jobs it requires. */
    jobName: text("job_name").notNull(),
    objectKey: text("object_key").notNull(),
    size: bigint("size", { mode: "number" }).notNull(),
    sha256: text("sha256").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("workspace_layers_workflow").on(t.workflowId)],
);

export type Cache = typeof caches.$inferSelect;
export type WorkspaceLayer = typeof workspaceLayers.$inferSelect;
