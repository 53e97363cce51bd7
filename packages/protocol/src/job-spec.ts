import type { PlannedJob } from "@citadel/pipeline";
import { z } from "zod";

/**
 * The planned job from packages/pipeline, passed through as JSON: the services box produced it from a
 * compiled config, so it is typed rather than re-validated field by field.
 */
const plannedJobSchema = z.custom<PlannedJob>(
  (value) => typeof value === "object" && value !== null && Array.isArray((value as { steps?: unknown }).steps),
  "expected a planned job",
);

/** Everything a builder needs to run one claimed job. The only place secrets leave the services box. */
export const jobSpecSchema = z.object({
  jobId: z.uuid(),
  /** CircleCI `job_number`, per project. */
  number: z.number().int(),
  name: z.string(),
  attempt: z.number().int(),
  projectSlug: z.string(),
  workflowId: z.uuid(),
  pipelineId: z.uuid(),
  pipelineNumber: z.number().int(),
  git: z.object({
    url: z.string(),
    revision: z.string().nullable(),
    branch: z.string().nullable(),
    tag: z.string().nullable(),
  }),
  job: plannedJobSchema,
  /** Decrypted project then context variables (context values win), for the job's environment. */
  environment: z.record(z.string(), z.string()),
  /** Every secret value the job received, for masking its output. */
  secretValues: z.array(z.string()),
  /** For checkout on the builder host; never copied into the job container. */
  checkout: z.object({
    deployPrivateKey: z.string(),
    /** known_hosts line pinned on first contact; null when the services box has not seen the host yet. */
    sshHostKey: z.string().nullable(),
  }),
  /** The project's additional SSH keys, for `add_ssh_keys` (only when the job has that step). */
  sshKeys: z.array(z.object({ hostname: z.string(), fingerprints: z.array(z.string()), privateKey: z.string() })).default([]),
  /** CIRCLE_* and CI variables. */
  circle: z.record(z.string(), z.string()),
  /** Bearer token for this job's own calls (steps, logs, finish); valid only while the job runs. */
  jobToken: z.string(),
});
export type JobSpec = z.infer<typeof jobSpecSchema>;
