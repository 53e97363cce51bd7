import { and, asc, eq, inArray } from "drizzle-orm";
import type { DbOrTx } from "../connect";
import { contextEnvVars, contexts, envVars } from "../schema/projects";
import type { Sealer } from "./certificates";

/** Names a shell accepts, as CircleCI requires for environment variables. */
export const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Below this length the last four characters would give away too much of the value. */
const MIN_LENGTH_FOR_HINT = 8;

export class UnknownContextError extends Error {
  override name = "UnknownContextError";
  constructor(readonly contextNames: string[]) {
    super(`context ${contextNames.map((n) => `"${n}"`).join(", ")} does not exist`);
  }
}

export interface MaskedEnvVar {
  name: string;
  /** CircleCI's mask: `xxxx` and the last four characters (only `xxxx` for short values). */
  value: string;
  createdAt: Date;
}

export function secretHint(value: string): string {
  return value.length >= MIN_LENGTH_FOR_HINT ? value.slice(-4) : "";
}

export function maskedValue(hint: string): string {
  return `xxxx${hint}`;
}

const masked = (row: { name: string; hint: string; createdAt: Date }): MaskedEnvVar => ({
  name: row.name,
  value: maskedValue(row.hint),
  createdAt: row.createdAt,
});

/** Creates or replaces a project variable; answers only its masked form. */
export async function setProjectEnvVar(
  db: DbOrTx,
  sealer: Sealer,
  input: { projectId: string; name: string; value: string },
): Promise<MaskedEnvVar> {
  const sealed = { valueEncrypted: sealer.encrypt(input.value), hint: secretHint(input.value) };
  const [row] = await db
    .insert(envVars)
    .values({ projectId: input.projectId, name: input.name, ...sealed })
    .onConflictDoUpdate({ target: [envVars.projectId, envVars.name], set: { ...sealed, createdAt: new Date() } })
    .returning({ name: envVars.name, hint: envVars.hint, createdAt: envVars.createdAt });
  if (!row) throw new Error("storing the environment variable returned no row");
  return masked(row);
}

export async function listProjectEnvVars(db: DbOrTx, projectId: string): Promise<MaskedEnvVar[]> {
  const rows = await db
    .select({ name: envVars.name, hint: envVars.hint, createdAt: envVars.createdAt })
    .from(envVars)
    .where(eq(envVars.projectId, projectId))
    .orderBy(asc(envVars.name));
  return rows.map(masked);
}

/** Whether a variable of that name existed. */
export async function deleteProjectEnvVar(db: DbOrTx, projectId: string, name: string): Promise<boolean> {
  const deleted = await db
    .delete(envVars)
    .where(and(eq(envVars.projectId, projectId), eq(envVars.name, name)))
    .returning({ id: envVars.id });
  return deleted.length > 0;
}

/** The project's variables in plaintext, for a claimed job's spec only. */
export async function projectEnvironment(db: DbOrTx, sealer: Sealer, projectId: string): Promise<Record<string, string>> {
  const rows = await db
    .select({ name: envVars.name, valueEncrypted: envVars.valueEncrypted })
    .from(envVars)
    .where(eq(envVars.projectId, projectId));
  return Object.fromEntries(rows.map((row) => [row.name, sealer.decrypt(row.valueEncrypted)]));
}

/** Creates the context when missing; answers its id. */
export async function ensureContext(db: DbOrTx, name: string): Promise<string> {
  await db.insert(contexts).values({ name }).onConflictDoNothing({ target: contexts.name });
  const [row] = await db.select({ id: contexts.id }).from(contexts).where(eq(contexts.name, name));
  if (!row) throw new Error(`context ${name} vanished while being created`);
  return row.id;
}

export async function setContextEnvVar(
  db: DbOrTx,
  sealer: Sealer,
  input: { contextName: string; name: string; value: string },
): Promise<MaskedEnvVar> {
  const [context] = await db.select({ id: contexts.id }).from(contexts).where(eq(contexts.name, input.contextName));
  if (!context) throw new UnknownContextError([input.contextName]);
  const sealed = { valueEncrypted: sealer.encrypt(input.value), hint: secretHint(input.value) };
  const [row] = await db
    .insert(contextEnvVars)
    .values({ contextId: context.id, name: input.name, ...sealed })
    .onConflictDoUpdate({ target: [contextEnvVars.contextId, contextEnvVars.name], set: { ...sealed, createdAt: new Date() } })
    .returning({ name: contextEnvVars.name, hint: contextEnvVars.hint, createdAt: contextEnvVars.createdAt });
  if (!row) throw new Error("storing the context variable returned no row");
  return masked(row);
}

/**
 * The variables of the named contexts in plaintext; a later context wins over an earlier one
 * for the same name. A context that does not exist is an error: the job must not run without it.
 */
export async function contextEnvironment(db: DbOrTx, sealer: Sealer, contextNames: string[]): Promise<Record<string, string>> {
  if (contextNames.length === 0) return {};
  const found = await db
    .select({ id: contexts.id, name: contexts.name })
    .from(contexts)
    .where(inArray(contexts.name, contextNames));
  const missing = contextNames.filter((name) => !found.some((c) => c.name === name));
  if (missing.length > 0) throw new UnknownContextError(missing);
  const rows = await db
    .select({ contextId: contextEnvVars.contextId, name: contextEnvVars.name, valueEncrypted: contextEnvVars.valueEncrypted })
    .from(contextEnvVars)
    .where(
      inArray(
        contextEnvVars.contextId,
        found.map((c) => c.id),
      ),
    );
  const environment: Record<string, string> = {};
  for (const contextName of contextNames) {
    const id = found.find((c) => c.name === contextName)?.id;
    for (const row of rows.filter((r) => r.contextId === id)) environment[row.name] = sealer.decrypt(row.valueEncrypted);
  }
  return environment;
}
