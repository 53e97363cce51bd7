import { resolve } from "node:path";
import { z } from "zod";

const port = (fallback: number) =>
  z.coerce
    .number({ error: "expected a TCP port number" })
    .int("expected a whole number")
    .min(1, "expected a port from 1 to 65535")
    .max(65535, "expected a port from 1 to 65535")
    .default(fallback);

const servicesEnvSchema = z.object({
  CITADEL_DATA_DIR: z
    .string()
    .min(1)
    .default("./.citadel")
    .transform((dir) => resolve(dir)),
  CITADEL_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "expected a postgres:// or postgresql:// URL"),
  CITADEL_HTTPS_PORT: port(443),
  CITADEL_HTTP_PORT: port(80),
  CITADEL_LICENSE_PUBKEYS: z.string().min(1, "expected a path to a JWKS file").optional(),
  CITADEL_SERVICES_HOST: z.string().min(1).optional(),
  CITADEL_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
});

export type ServicesEnv = z.infer<typeof servicesEnvSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parsed once at start; messages name the variable, never its value (the URL holds a password). */
export function parseServicesEnv(env: Record<string, string | undefined> = process.env): ServicesEnv {
  const blankAsUnset = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const result = servicesEnvSchema.safeParse(blankAsUnset);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  throw new ConfigError(`Invalid environment: ${problems.join("; ")}`);
}
