import { randomBytes } from "node:crypto";
import type { DbOrTx } from "@citadel/db";
import { adminSessions, loginFailures } from "@citadel/db/schema";
import type { Keyring } from "@citadel/keyring";
import { and, count, eq, gt, isNull, sql } from "drizzle-orm";
import { jwtVerify, SignJWT } from "jose";
import { recordAudit } from "./audit";
import { generateBootstrapPassword, hashPassword, passwordProblem, verifyPassword } from "./passwords";
import { deleteSetting, getSetting, putSetting } from "./settings";

export const SESSION_COOKIE = "citadel_session";
const SESSION_HOURS = { admin: 12, bootstrap: 1 } as const;
export const LOCKOUT = { failures: 10, windowMinutes: 10, lockMinutes: 10 } as const;
const ISSUER = "citadel-console";

export type SessionKind = "bootstrap" | "admin";
export interface Session {
  id: string;
  kind: SessionKind;
}

export class AuthError extends Error {
  override name = "AuthError";
  constructor(
    message: string,
    readonly code: "invalid" | "locked" | "weak-password" | "already-set" | "not-set",
  ) {
    super(message);
  }
}

export async function adminPasswordIsSet(db: DbOrTx): Promise<boolean> {
  return (await getSetting(db, "admin")) !== null;
}

/**
 * Until an admin password exists, every start makes a fresh one-time bootstrap password
 * (only its hash is stored) and returns it for the operator to read in the log.
 */
export async function prepareBootstrapPassword(db: DbOrTx): Promise<string | null> {
  if (await adminPasswordIsSet(db)) return null;
  const password = generateBootstrapPassword();
  await putSetting(db, "bootstrap", { passwordHash: await hashPassword(password), createdAt: new Date().toISOString() });
  return password;
}

async function signingKey(db: DbOrTx, keyring: Keyring): Promise<Uint8Array> {
  const stored = await getSetting(db, "sessionKey");
  if (stored) return Buffer.from(keyring.decrypt(stored.keyEncrypted), "base64");
  const key = randomBytes(32);
  await putSetting(db, "sessionKey", { keyEncrypted: keyring.encrypt(key.toString("base64")) });
  return key;
}

async function lockedForMinutes(db: DbOrTx): Promise<number> {
  const since = sql`now() - make_interval(mins => ${LOCKOUT.windowMinutes})`;
  const [row] = await db
    .select({ n: count(), latest: sql<Date | null>`max(${loginFailures.at})` })
    .from(loginFailures)
    .where(gt(loginFailures.at, since));
  if (!row || row.n < LOCKOUT.failures || !row.latest) return 0;
  const unlockAt = new Date(row.latest).getTime() + LOCKOUT.lockMinutes * 60_000;
  return Math.max(0, Math.ceil((unlockAt - Date.now()) / 60_000));
}

export interface LoginResult {
  token: string;
  session: Session;
  maxAgeSeconds: number;
}

/** Checks the admin password (or, before one exists, the bootstrap password) and opens a session. */
export async function login(db: DbOrTx, keyring: Keyring, password: string, ip: string | null): Promise<LoginResult> {
  const locked = await lockedForMinutes(db);
  if (locked > 0) {
    throw new AuthError(`Too many failed logins: login is locked for ${locked} more minute${locked === 1 ? "" : "s"}.`, "locked");
  }
  const admin = await getSetting(db, "admin");
  const bootstrap = admin ? null : await getSetting(db, "bootstrap");
  const hash = admin?.passwordHash ?? bootstrap?.passwordHash;
  const kind: SessionKind = admin ? "admin" : "bootstrap";
  if (!hash || !(await verifyPassword(password, hash))) {
    await db.insert(loginFailures).values({ ip });
    await recordAudit(db, { actor: "anonymous", action: "login.failed", ip });
    if ((await lockedForMinutes(db)) > 0) {
      await recordAudit(db, { actor: "anonymous", action: "login.locked", ip, details: { minutes: LOCKOUT.lockMinutes } });
      throw new AuthError(`Too many failed logins: login is locked for ${LOCKOUT.lockMinutes} minutes.`, "locked");
    }
    throw new AuthError("Wrong password.", "invalid");
  }
  await db.delete(loginFailures);
  const result = await openSession(db, keyring, kind, ip);
  await recordAudit(db, { actor: kind === "admin" ? "admin" : "bootstrap", action: "login", ip });
  return result;
}

async function openSession(db: DbOrTx, keyring: Keyring, kind: SessionKind, ip: string | null): Promise<LoginResult> {
  const id = randomBytes(24).toString("base64url");
  const hours = SESSION_HOURS[kind];
  const expiresAt = new Date(Date.now() + hours * 3_600_000);
  await db.insert(adminSessions).values({ id, kind, expiresAt, ip });
  const token = await new SignJWT({ kind })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(id)
    .setIssuer(ISSUER)
    .setAudience(ISSUER)
    .setIssuedAt()
    .setExpirationTime(expiresAt)
    .sign(await signingKey(db, keyring));
  return { token, session: { id, kind }, maxAgeSeconds: hours * 3600 };
}

/** The session a cookie names, if its signature holds and the row is live (not revoked or expired). */
export async function sessionFromToken(db: DbOrTx, keyring: Keyring, token: string | undefined): Promise<Session | null> {
  if (!token) return null;
  let id: string | undefined;
  try {
    const { payload } = await jwtVerify(token, await signingKey(db, keyring), {
      algorithms: ["HS256"],
      issuer: ISSUER,
      audience: ISSUER,
    });
    id = payload.sub;
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith("ERR_J")) return null; // bad, expired or foreign token
    throw error;
  }
  if (!id) return null;
  const [row] = await db
    .select({ id: adminSessions.id, kind: adminSessions.kind })
    .from(adminSessions)
    .where(and(eq(adminSessions.id, id), isNull(adminSessions.revokedAt), gt(adminSessions.expiresAt, sql`now()`)));
  if (!row) return null;
  // A bootstrap session ends the moment an admin password exists.
  if (row.kind === "bootstrap" && (await adminPasswordIsSet(db))) return null;
  return row;
}

export async function logout(db: DbOrTx, session: Session, ip: string | null): Promise<void> {
  await db.update(adminSessions).set({ revokedAt: sql`now()` }).where(eq(adminSessions.id, session.id));
  await recordAudit(db, { actor: session.kind, action: "logout", ip });
}

/**
 * Sets the admin password: the first time from a bootstrap session, later from an admin
 * session with the current password. Revokes every session and opens a new admin one.
 */
export async function setAdminPassword(
  db: DbOrTx,
  keyring: Keyring,
  input: { newPassword: string; currentPassword?: string | undefined; actor: string; ip: string | null },
): Promise<LoginResult> {
  const problem = passwordProblem(input.newPassword);
  if (problem) throw new AuthError(problem, "weak-password");
  const admin = await getSetting(db, "admin");
  if (admin && input.actor !== "cli") {
    if (!input.currentPassword || !(await verifyPassword(input.currentPassword, admin.passwordHash))) {
      throw new AuthError("The current password is wrong.", "invalid");
    }
  }
  await db.transaction(async (tx) => {
    await putSetting(tx, "admin", {
      passwordHash: await hashPassword(input.newPassword),
      changedAt: new Date().toISOString(),
    });
    await deleteSetting(tx, "bootstrap");
    await tx.update(adminSessions).set({ revokedAt: sql`now()` }).where(isNull(adminSessions.revokedAt));
    await tx.delete(loginFailures);
  });
  await recordAudit(db, { actor: input.actor, action: admin ? "password.changed" : "password.set", ip: input.ip });
  return openSession(db, keyring, "admin", input.ip);
}
