import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { auditLog } from "@citadel/db/schema";
import { eq, sql } from "drizzle-orm";
import { REPO_ROOT } from "../../../test/support/appliance";
import { type TestDatabase, testDatabase } from "../../../test/support/database";
import { recordAudit, verifyAuditChain } from "../src/domain/audit";
import {
  AuthError,
  LOCKOUT,
  login,
  logout,
  prepareBootstrapPassword,
  sessionFromToken,
  setAdminPassword,
} from "../src/domain/auth";

const run = promisify(execFile);
let t: TestDatabase;
before(async () => {
  t = await testDatabase();
});
after(async () => t.close());

describe("audit log", () => {
  test("the chain verifies; an altered or removed row is found and named; updates are refused", async () => {
    const db = t.database.db;
    for (const action of ["login", "settings.hostname", "tls.uploaded", "logout"]) {
      await recordAudit(db, { actor: "admin", action, ip: "127.0.0.1", details: { n: action.length } });
    }
    assert.deepEqual(await verifyAuditChain(db), { ok: true, rows: 4 });
    await assert.rejects(db.update(auditLog).set({ actor: "mallory" }).where(eq(auditLog.action, "login")), (error: Error) =>
      /audit_log is append-only/.test(String((error.cause as Error | undefined)?.message)),
    );

    const cli = await run(process.execPath, ["apps/console/bin/citadel.mjs", "audit", "verify"], {
      cwd: REPO_ROOT,
      env: { ...process.env, CITADEL_DATA_DIR: t.dataDir },
    });
    assert.match(cli.stdout, /^OK: the audit log's hash chain holds \(4 rows\)/);

    // A superuser can bypass the trigger; the chain still tells.
    const [second] = await db.select().from(auditLog).where(eq(auditLog.action, "settings.hostname"));
    assert.ok(second);
    await t.database.sql.unsafe("alter table audit_log disable trigger user");
    await t.database.sql`update audit_log set details = '{"n": 999}' where id = ${second.id}`;
    const altered = await verifyAuditChain(db);
    assert.equal(altered.ok, false);
    assert.equal(!altered.ok && altered.brokenAt, second.id);
    assert.match(!altered.ok ? altered.reason : "", /content does not match its hash/);

    const failed = await run(process.execPath, ["apps/console/bin/citadel.mjs", "audit", "verify"], {
      cwd: REPO_ROOT,
      env: { ...process.env, CITADEL_DATA_DIR: t.dataDir },
    }).catch((error: { code: number; stderr: string }) => error);
    assert.equal((failed as { code: number }).code, 1);
    assert.match((failed as { stderr: string }).stderr, new RegExp(`BROKEN at row ${second.id}: its content does not match`));

    await t.database.sql`delete from audit_log where id = ${second.id}`;
    const removed = await verifyAuditChain(db);
    assert.equal(!removed.ok && removed.brokenAt, second.id + 1);
    assert.match(!removed.ok ? removed.reason : "", /link to the previous row is wrong/);
    await t.database.sql.unsafe("alter table audit_log enable trigger user");
    await t.database.sql`truncate audit_log`;
  });
});

describe("admin auth", () => {
  test("bootstrap login, first password, revocation, lockout", async () => {
    const { db } = t.database;
    const keyring = t.keyring;
    const bootstrap = await prepareBootstrapPassword(db);
    assert.ok(bootstrap && bootstrap.length === 20);

    const first = await login(db, keyring, bootstrap, "127.0.0.1");
    assert.equal(first.session.kind, "bootstrap");
    assert.deepEqual(await sessionFromToken(db, keyring, first.token), { id: first.session.id, kind: "bootstrap" });
    assert.equal(await sessionFromToken(db, keyring, `${first.token.slice(0, -3)}abc`), null, "a tampered token is no session");

    await assert.rejects(
      setAdminPassword(db, keyring, { newPassword: "short", actor: "bootstrap", ip: null }),
      (e: unknown) => e instanceof AuthError && e.code === "weak-password" && /at least 12 characters/.test(e.message),
    );
    const admin = await setAdminPassword(db, keyring, { newPassword: "correct horse battery", actor: "bootstrap", ip: null });
    assert.equal(admin.session.kind, "admin");
    assert.equal(await sessionFromToken(db, keyring, first.token), null, "the bootstrap session ended");
    assert.equal(await prepareBootstrapPassword(db), null, "no bootstrap password once an admin password exists");
    await assert.rejects(login(db, keyring, bootstrap, null), /Wrong password/);

    const again = await login(db, keyring, "correct horse battery", null);
    await logout(db, again.session, null);
    assert.equal(await sessionFromToken(db, keyring, again.token), null, "logout revokes");

    const changed = await login(db, keyring, "correct horse battery", null);
    await assert.rejects(
      setAdminPassword(db, keyring, { newPassword: "another long password", currentPassword: "wrong", actor: "admin", ip: null }),
      /current password is wrong/,
    );
    await setAdminPassword(db, keyring, {
      newPassword: "another long password",
      currentPassword: "correct horse battery",
      actor: "admin",
      ip: null,
    });
    assert.equal(await sessionFromToken(db, keyring, changed.token), null, "a password change revokes other sessions");

    for (let i = 1; i < LOCKOUT.failures; i++)
      await assert.rejects(login(db, keyring, `guess-${i}`, "10.9.9.9"), /Wrong password/);
    await assert.rejects(login(db, keyring, "guess-last", "10.9.9.9"), /locked for 10 minutes/);
    await assert.rejects(
      login(db, keyring, "another long password", null),
      (e: unknown) => e instanceof AuthError && e.code === "locked" && /locked for 10 more minutes/.test(e.message),
      "even the right password is refused while locked",
    );
    const actions = await db.select({ action: auditLog.action }).from(auditLog).where(sql`${auditLog.action} like 'login%'`);
    assert.ok(actions.some((a) => a.action === "login.locked"));
    assert.equal(actions.filter((a) => a.action === "login.failed").length, LOCKOUT.failures + 1);
    assert.deepEqual(await verifyAuditChain(db), { ok: true, rows: (await db.select().from(auditLog)).length });
  });
});

describe("citadel admin reset-password", () => {
  test("sets a new password from stdin, signs every session out, and refuses a weak one", async () => {
    const { db } = t.database;
    await t.database.sql`delete from login_failures`; // the lockout test above left login locked
    const session = await login(db, t.keyring, "another long password", null);
    const cli = (input: string) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = execFile(
          process.execPath,
          ["apps/console/bin/citadel.mjs", "admin", "reset-password"],
          { cwd: REPO_ROOT, env: { ...process.env, CITADEL_DATA_DIR: t.dataDir } },
          (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
        );
        child.stdin?.end(input);
      });
    const weak = await cli("short\n");
    assert.equal(weak.code, 1);
    assert.match(weak.stderr, /at least 12 characters/);
    const ok = await cli("reset by the operator\n");
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Admin password reset/);
    assert.equal(await sessionFromToken(db, t.keyring, session.token), null, "sessions were signed out");
    const fresh = await login(db, t.keyring, "reset by the operator", null);
    assert.equal(fresh.session.kind, "admin");
  });
});
