// OWNED BY: projects & triggers work. Signature agreed with the API v2 work, which calls it.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Project, pipelines, projects } from "@citadel/db/schema";
import { type ConfigError, compile, type OrbReference, type OrbResolver } from "@citadel/pipeline";
import { eq, sql } from "drizzle-orm";
import type { ServicesContext } from "../app-context";
import { commitSubject, readConfigAt, resolveRevision, syncMirror } from "./mirror";
import { NoConfigError } from "./mirror-errors";
import { createWorkflowsFromPlan } from "./workflow-state";

export interface CreatePipelineInput {
  project: Project;
  /** Exactly one of branch or tag (a tag push may also carry the branch). */
  branch?: string | undefined;
  tag?: string | undefined;
  /** The commit; when absent, the head of the branch/tag is resolved through the project's mirror. */
  revision?: string | undefined;
  parameters?: Record<string, unknown> | undefined;
  trigger: { type: "webhook" | "api"; actor: string };
}

export interface CreatedPipeline {
  id: string;
  number: number;
  state: "created" | "errored";
  createdAt: Date;
}

/** A config problem as stored on an errored pipeline and shown through the API. */
export type PipelineError = {
  message: string;
  path: string;
  line: number;
  column: number;
};

/**
 * Reads .circleci/config.yml at the revision from the project's bare mirror, compiles it with
 * packages/pipeline, stores the pipeline (errored with the config errors when invalid) and,
 * when valid, creates its workflows and jobs through createWorkflowsFromPlan.
 *
 * Throws the mirror's typed errors (host key changed, auth failed, unreachable, no such revision):
 * no pipeline exists then, and the caller answers with the message.
 */
export async function createPipeline(ctx: ServicesContext, input: CreatePipelineInput): Promise<CreatedPipeline> {
  const { project } = input;
  const logger = ctx.logger.child({ module: "pipelines" });
  const dataDir = ctx.env.CITADEL_DATA_DIR;
  const mirrorDir = await syncMirror({ db: ctx.db, keyring: ctx.keyring, dataDir, logger }, project);
  const revision = await resolveRevision(mirrorDir, input);
  const subject = await commitSubject(mirrorDir, revision);
  let source: string | null = null;
  try {
    source = await readConfigAt(mirrorDir, revision);
  } catch (error) {
    if (!(error instanceof NoConfigError)) throw error;
  }

  const id = randomUUID();
  const created = await ctx.db.transaction(async (tx) => {
    // Locking the project row serializes pipeline creation per project, so numbers never collide.
    await tx.select({ id: projects.id }).from(projects).where(eq(projects.id, project.id)).for("update");
    const [last] = await tx
      .select({ number: sql<number>`coalesce(max(${pipelines.number}), 0)::int` })
      .from(pipelines)
      .where(eq(pipelines.projectId, project.id));
    const number = (last?.number ?? 0) + 1;
    const result =
      source === null
        ? { ok: false as const, errors: [missingConfigError(revision)] }
        : compile(source, {
            ...(input.branch !== undefined ? { branch: input.branch } : {}),
            ...(input.tag !== undefined ? { tag: input.tag } : {}),
            revision,
            number,
            id,
            gitUrl: project.gitUrl,
            parameters: input.parameters ?? {},
            orbResolver: registryOrbResolver(dataDir),
          });
    const vcs: Record<string, unknown> = { revision, originRepositoryUrl: project.gitUrl, commitSubject: subject };
    if (input.branch !== undefined) vcs.branch = input.branch;
    if (input.tag !== undefined) vcs.tag = input.tag;
    const [row] = await tx
      .insert(pipelines)
      .values({
        id,
        projectId: project.id,
        number,
        state: result.ok ? "created" : "errored",
        trigger: { ...input.trigger, receivedAt: new Date().toISOString() },
        vcs,
        parameters: input.parameters ?? {},
        errors: result.ok ? [] : result.errors.map(toPipelineError),
        plan: result.ok ? (result.value as unknown as Record<string, unknown>) : null,
      })
      .returning({ id: pipelines.id, number: pipelines.number, state: pipelines.state, createdAt: pipelines.createdAt });
    if (!row) throw new Error("inserting the pipeline returned no row");
    if (result.ok) await createWorkflowsFromPlan(tx, { id, projectId: project.id }, result.value);
    return { ...row, state: row.state === "errored" ? ("errored" as const) : ("created" as const) };
  });
  logger.info(
    { project: project.slug, pipeline: created.id, number: created.number, state: created.state, revision },
    "pipeline created",
  );
  return created;
}

function missingConfigError(revision: string): ConfigError {
  return { message: new NoConfigError(revision).message, path: "", line: 0, column: 0 };
}

function toPipelineError(error: ConfigError): PipelineError {
  return { message: error.message, path: error.path, line: error.line, column: error.column };
}

const ORB_PART = /^[A-Za-z0-9_-]+$/;
const ORB_VERSION = /^[A-Za-z0-9_.-]+$/;

/**
 * Registry orbs the admin placed under `<data>/orbs/<namespace>/<name>@<version>.yml` (Citadel cannot
 * reach the orb registry). The library's resolver is synchronous; these are small local files.
 */
function registryOrbResolver(dataDir: string): OrbResolver {
  return (orb: OrbReference) => {
    if (
      !ORB_PART.test(orb.namespace) ||
      !ORB_PART.test(orb.name) ||
      !ORB_VERSION.test(orb.version) ||
      orb.version.includes("..")
    ) {
      return undefined;
    }
    try {
      return readFileSync(join(dataDir, "orbs", orb.namespace, `${orb.name}@${orb.version}.yml`), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  };
}
