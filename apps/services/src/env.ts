import { envDirectory, envLogLevel, envPort, parseEnv } from "@citadel/env";
import { z } from "zod";

const servicesEnvSchema = z.object({
  CITADEL_DATA_DIR: envDirectory("./.citadel"),
  CITADEL_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "expected a postgres:// or postgresql:// URL"),
  CITADEL_HTTPS_PORT: envPort(443),
  CITADEL_HTTP_PORT: envPort(80),
  CITADEL_LICENSE_PUBKEYS: z.string().min(1, "expected a path to a JWKS file").optional(),
  CITADEL_SERVICES_HOST: z.string().min(1).optional(),
  CITADEL_LOG_LEVEL: envLogLevel(),
  /** How long a running job survives without a heartbeat from its builder (builders beat every 10 s). */
  CITADEL_JOB_LEASE_SECONDS: z.coerce
    .number({ error: "expected a number of seconds" })
    .int("expected a whole number of seconds")
    .min(30, "expected at least 30 seconds (builders heartbeat every 10 s)")
    .max(3600, "expected at most 3600 seconds")
    .default(60),
});

export type ServicesEnv = z.infer<typeof servicesEnvSchema>;

/** The services box's environment, parsed once at start (the console passes it down). */
export function parseServicesEnv(env: Record<string, string | undefined> = process.env): ServicesEnv {
  return parseEnv(servicesEnvSchema, env);
}
