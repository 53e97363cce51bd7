import { envDirectory, envLogLevel, envPort, parseEnv } from "@citadel/env";
import { z } from "zod";

const consoleEnvSchema = z.object({
  CITADEL_DATA_DIR: envDirectory("./.citadel"),
  CITADEL_CONSOLE_PORT: envPort(8800),
  CITADEL_CONSOLE_HOST: z.string().min(1).optional(),
  CITADEL_HTTPS_PORT: envPort(443),
  CITADEL_HTTP_PORT: envPort(80),
  CITADEL_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "expected a postgres:// or postgresql:// URL")
    .optional(),
  CITADEL_LICENSE_PUBKEYS: z.string().min(1, "expected a path to a JWKS file").optional(),
  CITADEL_BOOTSTRAP: z.string().min(1, "expected a path to a JSON file").optional(),
  CITADEL_LOG_LEVEL: envLogLevel(),
});

export type ConsoleEnv = z.infer<typeof consoleEnvSchema>;

/** The console's environment, parsed once at start. */
export function parseConsoleEnv(env: Record<string, string | undefined> = process.env): ConsoleEnv {
  return parseEnv(consoleEnvSchema, env);
}
