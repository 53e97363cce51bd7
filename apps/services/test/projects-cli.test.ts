import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { projects, settings } from "@citadel/db/schema";
import { eq } from "drizzle-orm";
import { REPO_ROOT } from "../../../test/support/appliance";
import { type TestDatabase, testDatabase } from "../../../test/support/database";

let db: TestDatabase;

before(async () => {
  db = await testDatabase();
  await db.database.db.insert(settings).values({ key: "hostname", value: { hostname: "ci.example.com" } });
});

after(() => db?.close());

/** The real `citadel` CLI in its own process, attached to the test's running PostgreSQL. */
function citadel(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", join(REPO_ROOT, "apps/console/src/cli/main.ts"), "project", ...args],
      { cwd: REPO_ROOT, env: { ...process.env, CITADEL_DATA_DIR: db.dataDir, CITADEL_HTTPS_PORT: "8443" }, encoding: "utf8" },
      (error, out, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
    );
  });
}

test("citadel project add prints the deploy key, webhook URL, secret and a post-receive hook", async () => {
  const { code, out, err } = await citadel([
    "add",
    "--slug",
    "git/acme/app",
    "--git-url",
    "ssh://git@git.example.com/srv/app.git",
  ]);
  assert.equal(code, 0, err);
  const [project] = await db.database.db.select().from(projects).where(eq(projects.slug, "git/acme/app"));
  assert.ok(project);
  assert.ok(out.includes(project.deployPublicKey));
  assert.ok(out.includes(`Webhook URL:    https://ci.example.com:8443/hooks/git/${project.id}`));
  const secret = db.keyring.decrypt(project.webhookSecretEncrypted);
  assert.ok(out.includes(`Webhook secret: ${secret}`));
  assert.match(out, /#!\/bin\/sh[\s\S]*X-Citadel-Signature-256: sha256=\$signature/);
  assert.doesNotMatch(project.deployPrivateKeyEncrypted, /OPENSSH/);
  assert.match(db.keyring.decrypt(project.deployPrivateKeyEncrypted), /BEGIN OPENSSH PRIVATE KEY/);

  const shown = await citadel(["show", "--slug", "git/acme/app"]);
  assert.match(shown.out, /SSH host key: +\(not pinned yet/);
  assert.doesNotMatch(shown.out, new RegExp(secret));
});

test("citadel project add refuses bad slugs, bad URLs and duplicates with one-line errors", async () => {
  const cases: Array<[string[], number, RegExp]> = [
    [["add", "--slug", "gh/acme/app", "--git-url", "ssh://git@h/p.git"], 1, /GitHub slug/],
    [["add", "--slug", "git/acme/x", "--git-url", "file:///srv/x.git"], 1, /Invalid git URL/],
    [["add", "--slug", "git/acme/app", "--git-url", "ssh://git@h/p.git"], 1, /already exists/],
    [["add", "--slug", "git/acme/y"], 2, /--git-url is required/],
  ];
  for (const [args, expected, message] of cases) {
    const { code, err } = await citadel(args);
    assert.equal(code, expected, err);
    assert.match(err, message);
    assert.doesNotMatch(err, /\n\s+at /, "no stack trace");
  }
});
