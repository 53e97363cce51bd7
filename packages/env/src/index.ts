import { resolve } from "node:path";
import { z } from "zod";

/** Thrown when the environment is invalid; the message names each variable and what it expects. */
export class EnvError extends Error {
  override name = "EnvError";
}

/** A TCP port with a default. */
export function envPort(fallback: number) {
  return z.coerce
    .number({ error: "expected a TCP port number" })
    .int("expected a whole number")
    .min(1, "expected a port from 1 to 65535")
    .max(65535, "expected a port from 1 to 65535")
    .default(fallback);
}

/** Only "true" and "1" mean true: "false", "0" and typos are all false. */
export function envFlag() {
  return z
    .string()
    .optional()
    .transform((value) => value === "true" || value === "1");
}

/** A directory, resolved to an absolute path. */
export function envDirectory(fallback: string) {
  return z
    .string()
    .min(1, "expected a directory path")
    .default(fallback)
    .transform((dir) => resolve(dir));
}

export const envLogLevel = () => z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info");

/**
 * Parses a process's environment once. Blank counts as unset. The message names every bad
 * variable and what it expects, but never echoes a value (a database URL carries a password).
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const blankAsUnset = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const result = schema.safeParse(blankAsUnset);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  throw new EnvError(`Invalid environment: ${problems.join("; ")}`);
}
