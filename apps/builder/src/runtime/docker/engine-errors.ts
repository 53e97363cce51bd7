import { InfrastructureError } from "../../errors";

/** The HTTP status of an error from the Docker engine API (dockerode), if it carries one. */
export function engineStatus(error: unknown): number | undefined {
  if (typeof error === "object" && error !== null && "statusCode" in error && typeof error.statusCode === "number") {
    return error.statusCode;
  }
  return undefined;
}

/** The engine's own explanation (`{"message": …}`) or the error's message. */
export function engineMessage(error: unknown): string {
  if (typeof error === "object" && error !== null && "json" in error) {
    const json = error.json;
    if (typeof json === "object" && json !== null && "message" in json && typeof json.message === "string") return json.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function isNotFound(error: unknown): boolean {
  return engineStatus(error) === 404;
}

/** Wraps an engine failure into the error that fails the job as infrastructure_fail. */
export function engineFailure(what: string, error: unknown): InfrastructureError {
  if (error instanceof InfrastructureError) return error;
  return new InfrastructureError(`Docker engine: ${what} failed: ${engineMessage(error)}`, { cause: error });
}
