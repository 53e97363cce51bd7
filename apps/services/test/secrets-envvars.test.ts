import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { activateCertificate, ensureContext, setContextEnvVar, UnknownContextError } from "@citadel/db";
import { envVars, settings } from "@citadel/db/schema";
import { sql } from "drizzle-orm";
import { contextEnvironment, projectEnvironment } from "../src/domain/secrets";
import { insertProject, startTestServices, type TestServices } from "./api-v2-support";

const SECRETS = {
  awsKey: "AKIA-plaintext-secret-value-0042",
  npmToken: "npm_plaintextSECRETtoken_9Zq7",
  short: "pw12",
  contextValue: "context-plaintext-secret-51ab",
  contextOverride: "context-override-plaintext-77cd",
};

/** Every row of every table in the public schema as text: what a plain dump would show. */
async function plainDump(services: TestServices): Promise<string> {
  const tables = await services.ctx.db.execute<{ table_name: string }>(
    sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const rows = await services.ctx.db.execute<{ row: string }>(sql`select t::text as row from ${sql.identifier(table_name)} t`);
    parts.push(`-- ${table_name}`, ...rows.map((r) => r.row));
  }
  return parts.join("\n");
}

describe("project environment variables and contexts", () => {
  let services: TestServices;
  let projectId: string;
  const base = "/api/v2/project/git/acme/secrets/envvar";

  before(async () => {
    services = await startTestServices();
    projectId = (await insertProject(services, "git/acme/secrets")).id;
  });
  after(async () => services?.close());

  test("POST answers 201 with the value masked as xxxx + last four; short values show only xxxx", async () => {
    const res = await services.call("POST", base, { body: JSON.stringify({ name: "AWS_KEY", value: SECRETS.awsKey }) });
    assert.equal(res.status, 201);
    assert.deepEqual(Object.keys(res.json).sort(), ["created_at", "name", "value"]);
    assert.equal(res.json.name, "AWS_KEY");
    assert.equal(res.json.value, "xxxx0042");
    const short = await services.call("POST", base, { body: JSON.stringify({ name: "SHORT", value: SECRETS.short }) });
    assert.equal(short.json.value, "xxxx");
    await services.call("POST", base, { body: JSON.stringify({ name: "NPM_TOKEN", value: "first-version-of-token" }) });
    const replaced = await services.call("POST", base, { body: JSON.stringify({ name: "NPM_TOKEN", value: SECRETS.npmToken }) });
    assert.equal(replaced.status, 201);
    assert.equal(replaced.json.value, "xxxx9Zq7");
  });

  test("GET lists every variable masked, by name, with next_page_token", async () => {
    const res = await services.call("GET", base);
    assert.equal(res.status, 200);
    assert.equal(res.json.next_page_token, null);
    assert.deepEqual(
      res.json.items.map((v: { name: string; value: string }) => [v.name, v.value]),
      [
        ["AWS_KEY", "xxxx0042"],
        ["NPM_TOKEN", "xxxx9Zq7"],
        ["SHORT", "xxxx"],
      ],
    );
    for (const item of res.json.items) assert.match(item.created_at, /^\d{4}-\d{2}-\d{2}T/);
    assert.ok(!res.text.includes(SECRETS.awsKey) && !res.text.includes(SECRETS.npmToken));
  });

  test("invalid names are a 400 that does not echo the value", async () => {
    const res = await services.call("POST", base, { body: JSON.stringify({ name: "1-BAD NAME", value: SECRETS.awsKey }) });
    assert.equal(res.status, 400);
    assert.match(res.json.message, /^Invalid request: name/);
    assert.ok(!res.text.includes(SECRETS.awsKey));
    const missing = await services.call("POST", base, { body: JSON.stringify({ name: "X" }) });
    assert.equal(missing.status, 400);
  });

  test("DELETE removes a variable (200 message), then 404", async () => {
    await services.call("POST", base, { body: JSON.stringify({ name: "TEMP", value: "temporary-value-1234" }) });
    const res = await services.call("DELETE", `${base}/TEMP`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { message: "Environment variable deleted." });
    const again = await services.call("DELETE", `${base}/TEMP`);
    assert.equal(again.status, 404);
    assert.deepEqual(again.json, { message: "Environment variable not found." });
    const other = await services.call("GET", "/api/v2/project/git/acme/unknown/envvar");
    assert.deepEqual(other.json, { message: "Project not found" });
  });

  test("a claimed job gets the plaintext through projectEnvironment and contextEnvironment", async () => {
    assert.deepEqual(await projectEnvironment(services.ctx, projectId), {
      AWS_KEY: SECRETS.awsKey,
      NPM_TOKEN: SECRETS.npmToken,
      SHORT: SECRETS.short,
    });
    const { db, keyring } = services.ctx;
    await ensureContext(db, "shared");
    await ensureContext(db, "prod");
    await setContextEnvVar(db, keyring, { contextName: "shared", name: "DEPLOY_TOKEN", value: SECRETS.contextValue });
    await setContextEnvVar(db, keyring, { contextName: "shared", name: "REGION", value: "eu-west-1-region" });
    await setContextEnvVar(db, keyring, { contextName: "prod", name: "DEPLOY_TOKEN", value: SECRETS.contextOverride });
    assert.deepEqual(await contextEnvironment(services.ctx, ["shared", "prod"]), {
      DEPLOY_TOKEN: SECRETS.contextOverride,
      REGION: "eu-west-1-region",
    });
    assert.deepEqual(await contextEnvironment(services.ctx, ["prod", "shared"]), {
      DEPLOY_TOKEN: SECRETS.contextValue,
      REGION: "eu-west-1-region",
    });
    assert.deepEqual(await contextEnvironment(services.ctx, []), {});
    await assert.rejects(contextEnvironment(services.ctx, ["shared", "nope"]), (error: unknown) => {
      assert.ok(error instanceof UnknownContextError);
      assert.deepEqual(error.contextNames, ["nope"]);
      return true;
    });
  });

  test("no secret value appears anywhere in a plain dump of the database, nor in the logs", async () => {
    const { db, keyring } = services.ctx;
    const tlsKey = "-----BEGIN PRIVATE KEY----- tls-key-plaintext-31f0";
    await activateCertificate(db, keyring, {
      certificatePem: "-----BEGIN CERTIFICATE----- test",
      chainPem: "",
      privateKeyPem: tlsKey,
      sans: ["ci.example.com"],
      notBefore: new Date(),
      notAfter: new Date(Date.now() + 86_400_000),
      fingerprintSha256: "ab".repeat(32),
      selfSigned: true,
    });
    await db
      .insert(settings)
      .values({ key: "sessionKey", value: { keyEncrypted: keyring.encrypt("session-key-plaintext-c0de") } });
    const dump = await plainDump(services);
    assert.ok(dump.includes("-- env_vars") && dump.includes("AWS_KEY"), "the dump holds the rows");
    assert.equal((await db.select().from(envVars)).length, 3);
    const plaintexts = [
      ...Object.values(SECRETS).filter((s) => s.length >= 8),
      "eu-west-1-region",
      "deploy-key-plaintext-7d1e",
      "webhook-secret-plaintext-93af",
      "tls-key-plaintext-31f0",
      "session-key-plaintext-c0de",
      services.token,
    ];
    for (const secret of plaintexts) assert.ok(!dump.includes(secret), `the dump holds ${secret}`);
    // The short one is checked where it could hide in the env var rows.
    assert.ok(!(await plainDumpOf(services, "env_vars")).includes(SECRETS.short));
    const logs = services.logs.join("\n");
    for (const secret of plaintexts) assert.ok(!logs.includes(secret), `the logs hold ${secret}`);
  });
});

async function plainDumpOf(services: TestServices, table: string): Promise<string> {
  const rows = await services.ctx.db.execute<{ row: string }>(sql`select t::text as row from ${sql.identifier(table)} t`);
  return rows.map((r) => r.row).join("\n");
}
