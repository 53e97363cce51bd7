// `citadel config ...`: validate and process a CircleCI config. File reading lives here, not in the library.
import { open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  type ConfigError,
  formatConfigError,
  LIMITS,
  type OrbReference,
  type OrbResolver,
  processConfig,
  validateConfig,
} from "@citadel/pipeline";
import { CliError, errnoText } from "./io";

const USAGE = `usage: citadel config <command>

  validate FILE [--orb-dir DIR]
      check a .circleci/config.yml; exit 0 and "Config file at FILE is valid." or exit 1 and one error per line
  process FILE [--pipeline-parameters JSON] [--orb-dir DIR]
      print the expanded 2.0-style config (as circleci config process)

Registry orbs (namespace/name@version) are read from DIR/<namespace>/<name>@<version>.yml (or .yaml).
`;

function usageError(message: string): CliError {
  return new CliError(`${message}\n\n${USAGE}`, 2);
}

/** Reads at most one byte past the library's size limit, so a huge file is refused without loading it. */
async function readConfig(path: string): Promise<string> {
  try {
    const handle = await open(path, "r");
    try {
      const buffer = Buffer.alloc(LIMITS.maxSourceBytes + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      return buffer.subarray(0, bytesRead).toString("utf8");
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${errnoText(error)}`, 1);
  }
}

/**
 * Loads the orb files the config (and those orbs, transitively) reference, so the library's resolver
 * stays synchronous and pure. At most 100 orb files are read.
 */
async function orbResolver(dir: string | undefined, source: string): Promise<OrbResolver | undefined> {
  if (!dir) return undefined;
  const files = new Map<string, string>();
  const tried = new Set<string>();
  const queue = [source];
  for (let text = queue.shift(); text !== undefined && tried.size < 100; text = queue.shift()) {
    for (const match of text.matchAll(/([a-z0-9_-]+)\/([a-z0-9_-]+)@([A-Za-z0-9_.:+-]+)/gi)) {
      const [ref, namespace, name, version] = match;
      if (!ref || !namespace || !name || !version || version.includes("..") || tried.has(ref)) continue;
      tried.add(ref);
      for (const ext of ["yml", "yaml"]) {
        const orb = await readOptional(join(dir, namespace, `${name}@${version}.${ext}`));
        if (orb === undefined) continue;
        files.set(ref, orb);
        queue.push(orb);
        break;
      }
    }
  }
  return (orb: OrbReference) => files.get(orb.ref);
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CliError(`cannot read orb file ${path}: ${errnoText(error)}`, 1);
  }
}

function printErrors(errors: ConfigError[]): number {
  process.stderr.write(`${errors.map(formatConfigError).join("\n")}\n`);
  return 1;
}

function parse(args: string[], withParameters: boolean) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        "orb-dir": { type: "string" },
        ...(withParameters ? { "pipeline-parameters": { type: "string" as const } } : {}),
      },
    });
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
}

function pipelineParameters(raw: string | undefined): Record<string, unknown> {
  if (raw === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw usageError(`--pipeline-parameters must be a JSON object: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw usageError("--pipeline-parameters must be a JSON object");
  return value as Record<string, unknown>;
}

export async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (command === "help" || command === "--help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command !== "validate" && command !== "process") throw usageError(`unknown config command '${command}'`);
  const { values, positionals } = parse(rest, command === "process");
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) throw usageError(`config ${command} takes exactly one FILE`);
  const parameters = command === "process" ? pipelineParameters(values["pipeline-parameters"] as string | undefined) : {};
  const source = await readConfig(file);
  const resolver = await orbResolver(values["orb-dir"], source);
  const options = resolver ? { orbResolver: resolver } : {};
  if (command === "validate") {
    const errors = validateConfig(source, options);
    if (errors.length > 0) return printErrors(errors);
    process.stdout.write(`Config file at ${file} is valid.\n`);
    return 0;
  }
  const result = processConfig(source, { ...options, pipelineParameters: parameters });
  if (!result.ok) return printErrors(result.errors);
  process.stdout.write(result.value);
  return 0;
}
