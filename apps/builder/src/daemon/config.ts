import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { EnvError, envDirectory, envLogLevel, parseEnv } from "@citadel/env";
import { z } from "zod";

const GIB = 1024 ** 3;

/**
 * Builder settings from (highest first) command-line flags, CITADEL_BUILDER_* variables and a JSON
 * config file (`--config FILE` / CITADEL_BUILDER_CONFIG), so a systemd unit can use any of them.
 */
const settingsSchema = z.object({
  services: z.url({ protocol: /^https$/, error: "expected the services box's https:// URL" }).optional(),
  joinToken: z.string().min(1).optional(),
  runtime: z.enum(["docker"]).default("docker"),
  dataDir: envDirectory("/var/lib/citadel-builder"),
  name: z.string().min(1).max(200).default(hostname()),
  slots: z.coerce.number().int().min(1, "expected at least 1 slot").optional(),
  containerCpus: z.coerce.number().positive("expected a positive number of CPUs").default(2),
  containerMemoryGib: z.coerce.number().positive("expected a positive number of GiB").default(4),
  jobNetwork: z.enum(["job", "none"]).default("job"),
  /** Local image for config images that are not on the engine, e.g. {"cimg/base:*": "citadel/job-debian:bookworm"}. */
  imageAliases: z.record(z.string(), z.string()).default({}),
  logLevel: envLogLevel(),
});

export type BuilderSettings = z.infer<typeof settingsSchema> & { containerMemoryBytes: number };

export class BuilderConfigError extends EnvError {
  override name = "BuilderConfigError";
}

const FLAGS = {
  services: { type: "string" },
  "join-token": { type: "string" },
  runtime: { type: "string" },
  "data-dir": { type: "string" },
  name: { type: "string" },
  slots: { type: "string" },
  "container-cpus": { type: "string" },
  "container-memory": { type: "string" },
  "job-network": { type: "string" },
  "log-level": { type: "string" },
  config: { type: "string" },
} as const;

const ENV_NAMES: Record<string, string> = {
  services: "CITADEL_BUILDER_SERVICES",
  joinToken: "CITADEL_BUILDER_JOIN_TOKEN",
  runtime: "CITADEL_BUILDER_RUNTIME",
  dataDir: "CITADEL_BUILDER_DATA_DIR",
  name: "CITADEL_BUILDER_NAME",
  slots: "CITADEL_BUILDER_SLOTS",
  containerCpus: "CITADEL_BUILDER_CONTAINER_CPUS",
  containerMemoryGib: "CITADEL_BUILDER_CONTAINER_MEMORY_GIB",
  jobNetwork: "CITADEL_BUILDER_JOB_NETWORK",
  logLevel: "CITADEL_BUILDER_LOG_LEVEL",
};

export function loadBuilderSettings(argv: string[], env: Record<string, string | undefined>): BuilderSettings {
  let flags: Record<string, string | undefined>;
  try {
    flags = parseArgs({ args: argv, options: FLAGS, strict: true }).values as Record<string, string | undefined>;
  } catch (error) {
    throw new BuilderConfigError((error as Error).message);
  }
  const configFile = flags.config ?? env.CITADEL_BUILDER_CONFIG;
  const fromFile = configFile ? readConfigFile(configFile) : {};
  const fromEnv = Object.fromEntries(
    Object.entries(ENV_NAMES)
      .map(([key, name]) => [key, env[name]])
      .filter(([, value]) => value !== undefined && value !== ""),
  );
  const fromFlags = Object.fromEntries(
    Object.entries({
      services: flags.services,
      joinToken: flags["join-token"],
      runtime: flags.runtime,
      dataDir: flags["data-dir"],
      name: flags.name,
      slots: flags.slots,
      containerCpus: flags["container-cpus"],
      containerMemoryGib: flags["container-memory"],
      jobNetwork: flags["job-network"],
      logLevel: flags["log-level"],
    }).filter(([, value]) => value !== undefined),
  );
  const merged = { ...fromFile, ...fromEnv, ...fromFlags };
  try {
    const settings = parseEnv(settingsSchema, merged as Record<string, string | undefined>);
    return { ...settings, containerMemoryBytes: Math.round(settings.containerMemoryGib * GIB) };
  } catch (error) {
    throw new BuilderConfigError((error as Error).message.replace(/^Invalid environment/, "Invalid builder settings"));
  }
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new BuilderConfigError(`cannot read the config file ${path} (${(error as NodeJS.ErrnoException).code})`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error("not an object");
    return value as Record<string, unknown>;
  } catch (error) {
    throw new BuilderConfigError(`the config file ${path} is not a JSON object (${(error as Error).message})`);
  }
}
