import { contextEnvironment as contextEnvironmentIn, projectEnvironment as projectEnvironmentIn } from "@citadel/db";
import type { ServicesContext } from "../app-context";

/**
 * Plaintext secrets for a claimed job's spec, and nowhere else: the project's environment
 * variables, and those of the contexts its job names (throws UnknownContextError for a context
 * that does not exist, so the job fails instead of running without its secrets).
 */
export function projectEnvironment(ctx: ServicesContext, projectId: string): Promise<Record<string, string>> {
  return projectEnvironmentIn(ctx.db, ctx.keyring, projectId);
}

export function contextEnvironment(ctx: ServicesContext, contextNames: string[]): Promise<Record<string, string>> {
  return contextEnvironmentIn(ctx.db, ctx.keyring, contextNames);
}
