import { createHash, randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { DbOrTx } from "../connect";
import { apiTokens, users } from "../schema/users";

/** CircleCI personal API tokens carry this prefix; ours do too so secret scanners recognise them. */
export const API_TOKEN_PREFIX = "CCIPAT_";

export interface ApiUser {
  id: string;
  login: string;
  name: string;
}

/** Only this hash is stored: a leaked database does not leak usable tokens. */
export function hashApiToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** The user with this login, created when missing (the admin user on first `citadel token create`). */
export async function ensureUser(db: DbOrTx, input: { login: string; name: string; isAdmin: boolean }): Promise<ApiUser> {
  await db.insert(users).values(input).onConflictDoNothing({ target: users.login });
  const [user] = await db
    .select({ id: users.id, login: users.login, name: users.name })
    .from(users)
    .where(eq(users.login, input.login));
  if (!user) throw new Error(`user ${input.login} vanished while being created`);
  return user;
}

/** A new random token for the user; the plaintext is returned once and never stored. */
export async function issueApiToken(db: DbOrTx, input: { userId: string; name: string }): Promise<{ id: string; token: string }> {
  const token = `${API_TOKEN_PREFIX}${randomBytes(20).toString("hex")}`;
  const [row] = await db
    .insert(apiTokens)
    .values({ userId: input.userId, name: input.name, tokenHash: hashApiToken(token) })
    .returning({ id: apiTokens.id });
  if (!row) throw new Error("inserting the API token returned no row");
  return { id: row.id, token };
}

/** The token's user (recording its use), or null for an unknown token. */
export async function userForApiToken(db: DbOrTx, token: string): Promise<ApiUser | null> {
  const [used] = await db
    .update(apiTokens)
    .set({ lastUsedAt: new Date() })
    .where(eq(apiTokens.tokenHash, hashApiToken(token)))
    .returning({ userId: apiTokens.userId });
  if (!used) return null;
  const [user] = await db
    .select({ id: users.id, login: users.login, name: users.name })
    .from(users)
    .where(eq(users.id, used.userId));
  return user ?? null;
}
