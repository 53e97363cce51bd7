// `citadel license ...`: vendor side (keygen, issue) and admin side (verify, inspect).
import { Buffer } from "node:buffer";
import { access, mkdir, open, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  CHANNELS,
  type Channel,
  EXPIRY_POLICIES,
  type ExpiryPolicy,
  FEATURES,
  formatTime,
  generateSigningKey,
  type Inspection,
  inspectLicense,
  issueLicense,
  type License,
  LicenseClaimsError,
  LicenseKeyError,
  loadTrustStore,
  MAX_LICENSE_BYTES,
  oversizeMessage,
  type TrustStore,
  type VerifyResult,
} from "@citadel/license";
import { parseConsoleEnv } from "../env";
import { CliError, errnoText } from "./io";

/** Extra trusted public keys (a JWKS path) for development and tests; read once, here only. */
const EXTRA_KEYS_ENV = "CITADEL_LICENSE_PUBKEYS";

const USAGE = `usage: citadel license <command>

  keygen --out DIR [--kid ID]
      create an Ed25519 signing key pair: DIR/private.jwk (mode 0600), DIR/public.jwk, DIR/jwks.json
  issue --key PRIVATE.jwk --customer NAME [--expires YYYY-MM-DD] [--max-builders N] [--max-users N]
        [--features ${FEATURES.join(",")}] [--policy ${EXPIRY_POLICIES.join("|")}] [--channel ${CHANNELS.join("|")}] --out FILE
      sign a license (no --expires: perpetual; no --max-*: unlimited)
  verify FILE     exit 0 and a summary when the license is valid, exit 1 and the reason otherwise
  inspect FILE    the header and claims as JSON, and whether the signature holds

Trusted keys: the vendor keys shipped with Citadel, plus the JWKS named by $${EXTRA_KEYS_ENV}.
`;

function usageError(message: string): CliError {
  return new CliError(message, 2);
}

/** Runs parseArgs, turning its errors into one-line usage errors (exit 2). */
function parsed<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (error instanceof Error && code?.startsWith("ERR_PARSE_ARGS")) {
      throw usageError(`license ${command}: ${error.message.split(". ")[0]}`);
    }
    throw error;
  }
}

function required(command: string, flag: string, value: string | undefined): string {
  if (value === undefined || value.trim() === "") throw usageError(`license ${command}: --${flag} is required`);
  return value;
}

function oneFile(command: string, positionals: string[]): string {
  const [file, extra] = positionals;
  if (file === undefined) throw usageError(`license ${command}: missing FILE argument`);
  if (extra !== undefined) throw usageError(`license ${command}: unexpected argument '${extra}'`);
  return file;
}

function choice<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  const found = allowed.find((candidate) => candidate === value);
  if (!found) throw usageError(`--${flag}: expected ${allowed.join(" or ")}, got '${value}'`);
  return found;
}

function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]{0,5}$/.test(value)) throw usageError(`--${flag}: expected a whole number from 1 to 999999, got '${value}'`);
  return Number(value);
}

/** YYYY-MM-DD → that day at 00:00 UTC: the license expires as that day begins. */
function expiryDate(value: string | undefined, now: Date): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(`${value}T00:00:00.000Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw usageError(`--expires: expected a date YYYY-MM-DD, got '${value}'`);
  }
  if (date.getTime() <= now.getTime()) throw usageError(`--expires: ${value} is not in the future`);
  return date;
}

function featureList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  const known: readonly string[] = FEATURES;
  const unknown = names.find((name) => !known.includes(name));
  if (unknown !== undefined) throw usageError(`--features: unknown feature '${unknown}' (known: ${FEATURES.join(", ")})`);
  return names;
}

/** Creates a file that must not exist yet. */
async function createFile(flag: string, path: string, content: string, mode: number): Promise<void> {
  try {
    await writeFile(path, content, { flag: "wx", mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST")
      throw usageError(`--${flag}: ${path} already exists (not overwriting)`);
    throw new CliError(`--${flag}: cannot write ${path}: ${errnoText(error)}`);
  }
}

async function trustStore(): Promise<TrustStore> {
  try {
    return await loadTrustStore({ extraJwksPath: parseConsoleEnv().CITADEL_LICENSE_PUBKEYS });
  } catch (error) {
    if (error instanceof LicenseKeyError) throw usageError(`trusted license keys ($${EXTRA_KEYS_ENV}): ${error.message}`);
    throw error;
  }
}

/** The file's bytes, or an oversize message without reading a file larger than a license can be. */
async function readLicenseFile(path: string): Promise<{ bytes: Uint8Array } | { oversize: string }> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw usageError(`cannot read license file ${path}: ${errnoText(error)}`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw usageError(`license file ${path} is not a regular file`);
    const oversize = oversizeMessage(stat.size);
    if (oversize) return { oversize };
    const buffer = Buffer.alloc(MAX_LICENSE_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return { bytes: buffer.subarray(0, bytesRead) };
  } finally {
    await handle.close();
  }
}

async function keygen(args: string[]): Promise<number> {
  const { values } = parsed("keygen", () =>
    parseArgs({ args, options: { out: { type: "string" }, kid: { type: "string" } }, strict: true }),
  );
  const dir = required("keygen", "out", values.out);
  const pair = await generateSigningKey(values.kid);
  const files = { private: join(dir, "private.jwk"), public: join(dir, "public.jwk"), jwks: join(dir, "jwks.json") };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const path of Object.values(files)) {
    const exists = await access(path).then(
      () => true,
      () => false,
    );
    if (exists) throw usageError(`--out: ${path} already exists (not overwriting a key)`);
  }
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  await createFile("out", files.private, json(pair.privateJwk), 0o600);
  await createFile("out", files.public, json(pair.publicJwk), 0o644);
  await createFile("out", files.jwks, json(pair.jwks), 0o644);
  process.stdout.write(
    `key ${pair.kid}\n  ${files.private}  private signing key (mode 0600, keep it secret)\n  ${files.public}  public key\n  ${files.jwks}  JWKS to trust it (${EXTRA_KEYS_ENV}, or the vendor keys)\n`,
  );
  return 0;
}

async function readSigningKey(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw usageError(`--key: cannot read ${path}: ${errnoText(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) throw usageError(`--key: ${path} is not a JSON Web Key (invalid JSON)`);
    throw error;
  }
}

async function issue(args: string[]): Promise<number> {
  const { values } = parsed("issue", () =>
    parseArgs({
      args,
      strict: true,
      options: {
        key: { type: "string" },
        customer: { type: "string" },
        expires: { type: "string" },
        "max-builders": { type: "string" },
        "max-users": { type: "string" },
        features: { type: "string" },
        policy: { type: "string" },
        channel: { type: "string" },
        out: { type: "string" },
      },
    }),
  );
  const now = new Date();
  const keyPath = required("issue", "key", values.key);
  const customer = required("issue", "customer", values.customer);
  const out = required("issue", "out", values.out);
  const input = {
    customer,
    expiresAt: expiryDate(values.expires, now),
    maxBuilders: positiveInt("max-builders", values["max-builders"]),
    maxUsers: positiveInt("max-users", values["max-users"]),
    features: featureList(values.features),
    expiryPolicy: choice<ExpiryPolicy>("policy", values.policy, EXPIRY_POLICIES),
    channel: choice<Channel>("channel", values.channel, CHANNELS),
  };
  const jwk = await readSigningKey(keyPath);
  let issued: Awaited<ReturnType<typeof issueLicense>>;
  try {
    issued = await issueLicense(jwk, input, { now, keySource: keyPath });
  } catch (error) {
    if (error instanceof LicenseKeyError) throw usageError(`--key: ${error.message}`);
    if (error instanceof LicenseClaimsError) throw usageError(`license issue: ${error.message}`);
    throw error;
  }
  await createFile("out", out, `${issued.token}\n`, 0o644);
  const { claims } = issued;
  const expiry = claims.expiresAt ? `expires ${formatTime(new Date(claims.expiresAt))}` : "perpetual";
  process.stdout.write(`issued license ${claims.id} for ${claims.customer} (${expiry}, key ${issued.kid}) -> ${out}\n`);
  return 0;
}

function limit(max: number | undefined): string {
  return max === undefined ? "unlimited" : String(max);
}

function summary(license: License, message: string): string {
  const { channel, entitlements } = license.claims;
  const lines = [
    message,
    `  channel:   ${channel}`,
    `  builders:  ${limit(entitlements.maxBuilders)}`,
    `  users:     ${limit(entitlements.maxUsers)}`,
    `  features:  ${entitlements.features.length > 0 ? entitlements.features.join(", ") : "none"}`,
    `  on expiry: ${entitlements.expiryPolicy}`,
    `  signed by: ${license.kid}`,
  ];
  const unknown = Object.keys(license.unknownClaims);
  if (unknown.length > 0) lines.push(`  unknown claims (shown, not used): ${unknown.join(", ")}`);
  return `${lines.join("\n")}\n`;
}

/** The reason a non-valid result gives; for an expired license, what happens to builds. */
function reason(result: Exclude<VerifyResult, { status: "valid" }>): string {
  if (result.status !== "expired") return result.message;
  const gate = result.license.buildsAllowed();
  return gate.allowed ? (gate.warning ?? result.message) : gate.reason;
}

/** Reads FILE and inspects it against the trusted keys; a file too large to be a license is not read. */
async function examine(command: string, args: string[]): Promise<Inspection> {
  const { positionals } = parsed(command, () => parseArgs({ args, options: {}, allowPositionals: true, strict: true }));
  const content = await readLicenseFile(oneFile(command, positionals));
  const trust = await trustStore();
  if ("oversize" in content) {
    return { result: { status: "malformed", message: content.oversize }, signature: "not-checked", header: null, payload: null };
  }
  return inspectLicense(content.bytes, trust);
}

async function verify(args: string[]): Promise<number> {
  const { result } = await examine("verify", args);
  if (result.status === "valid") {
    process.stdout.write(summary(result.license, result.message));
    return 0;
  }
  process.stderr.write(`citadel: license ${result.status}: ${reason(result)}\n`);
  return 1;
}

async function inspect(args: string[]): Promise<number> {
  const inspection = await examine("inspect", args);
  const { result } = inspection;
  const report = {
    status: result.status,
    message: result.message,
    signature: inspection.signature,
    header: inspection.header,
    claims: inspection.payload,
    ...("license" in result ? { unknownClaims: result.license.unknownClaims } : {}),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return inspection.payload === null ? 1 : 0;
}

export async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case "keygen":
      return keygen(rest);
    case "issue":
      return issue(rest);
    case "verify":
      return verify(rest);
    case "inspect":
      return inspect(rest);
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return 0;
    case undefined:
      process.stderr.write(USAGE);
      return 2;
    default:
      throw usageError(`license: unknown command '${command}' (expected keygen, issue, verify or inspect)`);
  }
}
