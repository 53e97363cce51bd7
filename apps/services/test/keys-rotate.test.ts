import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import {
  activateCertificate,
  assertKeyringPresent,
  contextEnvironment,
  ensureContext,
  KeyringMissingError,
  setContextEnvVar,
  setProjectEnvVar,
} from "@citadel/db";
import { certificates, contextEnvVars, envVars, projects, settings } from "@citadel/db/schema";
import { Keyring, keyringPath } from "@citadel/keyring";
import { eq, sql } from "drizzle-orm";
import { freePort, REPO_ROOT } from "../../../test/support/appliance";
import { insertProject, startTestServices, type TestServices } from "./api-v2-support";

const run = promisify(execFile);

/** Runs the real `citadel` CLI against the test data dir (it attaches to the running embedded server). */
async function citadel(dataDir: string, args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "apps/console/src/cli/main.ts", ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, CITADEL_DATA_DIR: dataDir, CITADEL_DATABASE_URL: "" },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

/** The CLI with a value on standard input, as `citadel context set` reads it. */
function citadelWithInput(dataDir: string, args: string[], input: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "apps/console/src/cli/main.ts", ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, CITADEL_DATA_DIR: dataDir, CITADEL_DATABASE_URL: "" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Every ciphertext in the database, keyed by where it lives. */
async function allCiphertexts(services: TestServices): Promise<Map<string, string>> {
  const db = services.ctx.db;
  const found = new Map<string, string>();
  for (const p of await db.select().from(projects)) {
    found.set(`project ${p.slug} deploy key`, p.deployPrivateKeyEncrypted);
    found.set(`project ${p.slug} webhook`, p.webhookSecretEncrypted);
  }
  for (const v of await db.select().from(envVars)) found.set(`env ${v.name}`, v.valueEncrypted);
  for (const v of await db.select().from(contextEnvVars)) found.set(`context env ${v.name}`, v.valueEncrypted);
  for (const c of await db.select().from(certificates)) found.set(`certificate ${c.fingerprintSha256}`, c.privateKeyEncrypted);
  for (const s of await db.select().from(settings)) {
    const value = s.value as Record<string, string>;
    if (value.clientSecretEncrypted) found.set("sourceControl", value.clientSecretEncrypted);
    if (value.keyEncrypted) found.set(s.key, value.keyEncrypted);
    if (value.passphraseEncrypted) found.set(s.key, value.passphraseEncrypted);
  }
  return found;
}

describe("citadel token create and keys rotate", () => {
  let services: TestServices;
  const plaintexts = new Map<string, string>();

  before(async () => {
    services = await startTestServices();
    const { db, keyring } = services.ctx;
    const project = await insertProject(services, "git/acme/keys");
    await setProjectEnvVar(db, keyring, { projectId: project.id, name: "API_KEY", value: "env-secret-value-1" });
    await ensureContext(db, "prod");
    await setContextEnvVar(db, keyring, { contextName: "prod", name: "DEPLOY", value: "context-secret-value-2" });
    await activateCertificate(db, keyring, {
      certificatePem: "cert",
      chainPem: "",
      privateKeyPem: "tls-private-key-3",
      sans: ["ci.example.com"],
      notBefore: new Date(),
      notAfter: new Date(Date.now() + 86_400_000),
      fingerprintSha256: "cd".repeat(32),
      selfSigned: true,
    });
    await db.insert(settings).values([
      {
        key: "sourceControl",
        value: { kind: "github", clientId: "Iv1.abc", clientSecretEncrypted: keyring.encrypt("oauth-client-secret-4") },
      },
      { key: "sessionKey", value: { keyEncrypted: keyring.encrypt("session-key-5") } },
      { key: "builderTokenKey", value: { keyEncrypted: keyring.encrypt("builder-token-key-6") } },
      {
        key: "backupSchedule",
        value: { enabled: true, cron: "0 3 * * *", passphraseEncrypted: keyring.encrypt("backup-passphrase-7") },
      },
    ]);
    for (const [place, ciphertext] of await allCiphertexts(services)) plaintexts.set(place, keyring.decrypt(ciphertext));
    assert.equal(plaintexts.size, 9);
  });
  after(async () => services?.close());

  test("token create prints a CCIPAT_ token for the admin user that the API accepts", async () => {
    const created = await citadel(services.test.dataDir, ["token", "create", "--name", "release bot"]);
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim();
    assert.match(token, /^CCIPAT_[0-9a-f]{40}$/);
    const me = await services.call("GET", "/api/v2/me", { token });
    assert.equal(me.status, 200);
    assert.equal(me.json.login, "admin");
    const usage = await citadel(services.test.dataDir, ["token", "create"]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--name/);
  });

  test("context add and context set (value on stdin) store an encrypted context variable, shown masked", async () => {
    const dataDir = services.test.dataDir;
    const added = await citadel(dataDir, ["context", "add", "staging"]);
    assert.equal(added.code, 0, added.stderr);
    const set = await citadelWithInput(dataDir, ["context", "set", "staging", "DB_PASSWORD"], "staging-db-password-9911\n");
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /Set DB_PASSWORD in context staging \(xxxx9911\)/);
    assert.ok(!set.stdout.includes("staging-db-password"));
    assert.deepEqual(await contextEnvironment(services.ctx.db, services.ctx.keyring, ["staging"]), {
      DB_PASSWORD: "staging-db-password-9911",
    });
    const unknown = await citadelWithInput(dataDir, ["context", "set", "nowhere", "X"], "value");
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /context "nowhere" does not exist: add it first/);
    await services.ctx.db.execute(sql`delete from contexts where name = 'staging'`);
  });

  test("keys rotate adds a key version and re-encrypts every ciphertext; all still decrypt", async () => {
    const beforeRotation = await allCiphertexts(services);
    const rotated = await citadel(services.test.dataDir, ["keys", "rotate"]);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /Key version 2 is current; re-encrypted 9 values/);
    assert.match(rotated.stdout, /env_vars\.value_encrypted\s+1/);
    assert.match(rotated.stdout, /settings\.sessionKey\.keyEncrypted\s+1/);

    const file = JSON.parse(await readFile(keyringPath(services.test.dataDir), "utf8"));
    assert.equal(file.current, 2);
    assert.deepEqual(
      file.keys.map((k: { version: number }) => k.version),
      [1, 2],
    );
    const reloaded = await Keyring.load(services.test.dataDir);
    const afterRotation = await allCiphertexts(services);
    assert.equal(afterRotation.size, 9);
    for (const [place, ciphertext] of afterRotation) {
      assert.equal(Keyring.versionOf(ciphertext), 2, place);
      assert.notEqual(ciphertext, beforeRotation.get(place), place);
      assert.equal(reloaded.decrypt(ciphertext), plaintexts.get(place), place);
    }
    // Only the sealed field of a settings document changes.
    const [sourceControl] = await services.ctx.db.select().from(settings).where(eq(settings.key, "sourceControl"));
    assert.equal((sourceControl?.value as { clientId?: string } | undefined)?.clientId, "Iv1.abc");
  });

  test("a value that cannot be decrypted aborts the whole re-encryption; nothing becomes undecryptable", async () => {
    const { db } = services.ctx;
    await db.insert(envVars).values({
      projectId: (await db.select().from(projects))[0]?.id as string,
      name: "DAMAGED",
      valueEncrypted: "v1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA:AAAA",
      hint: "",
    });
    const beforeAttempt = await allCiphertexts(services);
    const failed = await citadel(services.test.dataDir, ["keys", "rotate"]);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /key version 3 was added but nothing was re-encrypted/);
    assert.deepEqual(await allCiphertexts(services), beforeAttempt, "the transaction rolled back");
    const reloaded = await Keyring.load(services.test.dataDir);
    assert.equal(reloaded.currentVersion, 3);
    for (const [place, ciphertext] of beforeAttempt) {
      if (place === "env DAMAGED") continue;
      assert.equal(reloaded.decrypt(ciphertext), plaintexts.get(place), place);
    }
    await db.delete(envVars).where(eq(envVars.name, "DAMAGED"));
  });

  test("without its keyring the services box refuses to start while encrypted data exists", async () => {
    const dataDir = services.test.dataDir;
    const file = keyringPath(dataDir);
    await assert.rejects(assertKeyringPresent(services.ctx.db, { exists: false, file }), KeyringMissingError);
    await rename(file, `${file}.aside`);
    try {
      const started = await run(process.execPath, ["--import", "tsx", "apps/services/src/main.ts"], {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          CITADEL_DATA_DIR: dataDir,
          CITADEL_DATABASE_URL: services.test.database.connectionUrl,
          CITADEL_HTTPS_PORT: String(await freePort()),
          CITADEL_HTTP_PORT: String(await freePort()),
          CITADEL_LOG_LEVEL: "fatal",
        },
        timeout: 60_000,
      }).then(
        () => ({ code: 0, stderr: "" }),
        (error: { code?: number; stderr?: string }) => ({ code: error.code, stderr: error.stderr ?? "" }),
      );
      assert.equal(started.code, 1);
      assert.match(started.stderr, /master keyring .* is missing but the database holds data encrypted with it/);
      const rotate = await citadel(dataDir, ["keys", "rotate"]);
      assert.equal(rotate.code, 1);
      assert.match(rotate.stderr, /is missing: nothing to rotate/);
    } finally {
      await rename(`${file}.aside`, file);
    }
  });

  test("with no encrypted data a missing keyring is no problem (a fresh install creates it)", async () => {
    await services.ctx.db.execute(sql`truncate projects, contexts, certificates, settings cascade`);
    await assertKeyringPresent(services.ctx.db, { exists: false, file: join(services.test.dataDir, "nope") });
  });
});
