// OWNED BY: projects & triggers work. Signature agreed with the API v2 work, which calls it.
import type { Project } from "@citadel/db/schema";
import type { ServicesContext } from "../app-context";

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

/**
 * Reads .circleci/config.yml at the revision from the project's bare mirror, compiles it with
 * packages/pipeline, stores the pipeline (errored with the config errors when invalid) and,
 * when valid, creates its workflows and jobs through createWorkflowsFromPlan.
 */
export async function createPipeline(_ctx: ServicesContext, _input: CreatePipelineInput): Promise<CreatedPipeline> {
  throw new Error("createPipeline: not implemented yet");
}
