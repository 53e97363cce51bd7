/**
 * Errors from apps/builder carry the message a user or admin reads. They never contain secret values.
 */

/**
 * The builder or its engine failed, not the job's own commands (missing image, engine unreachable,
 * container could not be created). The job ends as `infrastructure_fail`.
 */
export class InfrastructureError extends Error {
  override name = "InfrastructureError";
  readonly jobStatus = "infrastructure_fail" as const;
}

/** The box cannot run even one job container with the configured container size. */
export class CapacityError extends Error {
  override name = "CapacityError";
}

/** A job environment spec the runtime refuses before touching the engine (e.g. an unsafe job id). */
export class InvalidJobSpecError extends Error {
  override name = "InvalidJobSpecError";
}

/** A path asked of copyOut does not exist in the job's container. */
export class SandboxPathNotFoundError extends Error {
  override name = "SandboxPathNotFoundError";
  constructor(readonly path: string) {
    super(`${path} does not exist in the job's container`);
  }
}
