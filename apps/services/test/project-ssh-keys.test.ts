import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { projectSshKeys } from "@citadel/db/schema";
import {
  addProjectSshKey,
  InvalidSshKeyError,
  listProjectSshKeys,
  projectSshKeysForJob,
  removeProjectSshKey,
} from "@citadel/projects";
import { type TestDatabase, testDatabase } from "../../../test/support/database";

const run = promisify(execFile);
let test_: TestDatabase;
let keysDir: string;
let projectId: string;

before(async () => {
  test_ = await testDatabase();
  keysDir = await mkdtemp(join(tmpdir(), "citadel-ssh-keys-"));
  const [row] = await test_.database.sql<{ id: string }[]>`
    insert into projects (slug, vcs, git_url, deploy_public_key, deploy_private_key_encrypted, webhook_secret_encrypted)
    values ('git/acme/keys', 'git', 'ssh://git@example.test/keys.git', 'ssh-ed25519 AAAA test', 'x', 'y') returning id`;
  projectId = row?.id ?? "";
});
after(async () => {
  await rm(keysDir, { recursive: true, force: true });
  await test_?.close();
});

/** A key made by ssh-keygen, with the fingerprints ssh-keygen itself prints. */
async function keygen(name: string, type: string, passphrase = "", format: string[] = []) {
  const file = join(keysDir, name);
  await run("ssh-keygen", ["-q", "-t", type, "-N", passphrase, "-C", name, "-f", file, ...format]);
  const sha256 = (await run("ssh-keygen", ["-l", "-E", "sha256", "-f", `${file}.pub`])).stdout.split(" ")[1];
  const md5 = (await run("ssh-keygen", ["-l", "-E", "md5", "-f", `${file}.pub`])).stdout.split(" ")[1]?.replace(/^MD5:/, "");
  return { privateKey: await readFile(file, "utf8"), sha256, md5 };
}

test("OpenSSH and PEM keys are stored encrypted under ssh-keygen's fingerprints; adding again replaces the hostname", async () => {
  const db = test_.database.db;
  const ed = await keygen("ed", "ed25519");
  const rsa = await keygen("rsa", "rsa", "", ["-b", "2048", "-m", "PEM"]);
  const added = await addProjectSshKey(db, test_.keyring, {
    projectId,
    hostname: "deploy.example.test",
    privateKey: ed.privateKey,
  });
  assert.equal(added.fingerprintSha256, ed.sha256);
  assert.equal(added.fingerprintMd5, ed.md5);
  await addProjectSshKey(db, test_.keyring, { projectId, hostname: "", privateKey: rsa.privateKey });
  await addProjectSshKey(db, test_.keyring, { projectId, hostname: "other.example.test", privateKey: ed.privateKey });
  const listed = await listProjectSshKeys(db, projectId);
  assert.deepEqual(
    listed.map((k) => [k.fingerprintMd5, k.hostname]),
    [
      [ed.md5, "other.example.test"],
      [rsa.md5, ""],
    ],
  );
  const stored = await db.select().from(projectSshKeys);
  assert.ok(
    stored.every((row) => !row.privateKeyEncrypted.includes("PRIVATE KEY")),
    "only ciphertext at rest",
  );
  const forJob = await projectSshKeysForJob(db, test_.keyring, projectId);
  assert.match(forJob.find((k) => k.hostname === "")?.privateKey ?? "", /BEGIN OPENSSH PRIVATE KEY/);

  assert.equal(await removeProjectSshKey(db, projectId, rsa.md5 ?? ""), true);
  assert.equal(await removeProjectSshKey(db, projectId, rsa.md5 ?? ""), false);
  assert.equal((await listProjectSshKeys(db, projectId)).length, 1);
});

test("passphrase-protected keys, non-keys and unsafe hostnames are refused with a message that does not echo them", async () => {
  const db = test_.database.db;
  const locked = await keygen("locked", "ed25519", "a passphrase");
  const refusal = async (input: { hostname: string; privateKey: string }, message: RegExp) =>
    assert.rejects(addProjectSshKey(db, test_.keyring, { projectId, ...input }), (error: Error) => {
      assert.ok(error instanceof InvalidSshKeyError);
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /PRIVATE KEY|hunter2/);
      return true;
    });
  await refusal({ hostname: "", privateKey: locked.privateKey }, /protected by a passphrase/);
  await refusal({ hostname: "", privateKey: "hunter2 is not a key" }, /not an SSH private key/);
  await refusal({ hostname: "", privateKey: "" }, /not an SSH private key/);
  await refusal({ hostname: "x'; rm -rf ~; '", privateKey: locked.privateKey }, /is not a host name/);
  assert.equal((await listProjectSshKeys(db, projectId)).length, 1, "nothing was added");
});
