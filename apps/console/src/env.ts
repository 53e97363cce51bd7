import { resolve } from "node:path";
import { z } from "zod";

const port = (fallback: number) =>
  z.coerce
    .number({ error: "expected a TCP port number" })
    .int("expected a whole number")
    .min(1, "expected a port from 1 to 65535")
    .max(65535, "expected a port from 1 to 65535")
    .default(fallback);

const consoleEnvSchema = z.object({
  CITADEL_DATA_DIR: z
    .string()
    .min(1, "expected a directory path")
    .default("./.citadel")
    .transform((dir) => resolve(dir)),
  CITADEL_CONSOLE_PORT: port(8800),
  CITADEL_CONSOLE_HOST: z.string().min(1).optional(),
  CITADEL_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "expected a postgres:// or postgresql:// URL")
    .optional(),
  CITADEL_HTTPS_PORT: port(443),
  CITADEL_HTTP_PORT: port(80),
  CITADEL_LICENSE_PUBKEYS: z.string().min(1, "expected a path to a JWKS file").optional(),
  CITADEL_BOOTSTRAP: z.string().min(1, "expected a path to a JSON file").optional(),
  CITADEL_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
});

export type ConsoleEnv = z.infer<typeof consoleEnvSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses the console's environment once. The message names each bad variable and what
 * it expects, but never echoes a value (a database URL carries a password).
 */
export function parseConsoleEnv(env: Record<string, string | undefined> = process.env): ConsoleEnv {
  const blankAsUnset = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const result = consoleEnvSchema.safeParse(blankAsUnset);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  throw new ConfigError(`Invalid environment: ${problems.join("; ")}`);
}
