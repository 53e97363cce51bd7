import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { generateDeployKey, InvalidGitUrlError, InvalidSlugError, parseProjectSlug, parseSshGitUrl } from "@citadel/projects";

const run = promisify(execFile);

test("slugs are gh/ORG/REPO or git/ORG/REPO, strictly", () => {
  assert.deepEqual(parseProjectSlug("gh/acme/web.app"), { vcs: "github", org: "acme", repo: "web.app", slug: "gh/acme/web.app" });
  assert.equal(parseProjectSlug("git/my-org/repo_1").vcs, "git");
  for (const bad of [
    "",
    "gh/acme",
    "gl/acme/web",
    "gh/acme/web/extra",
    "gh//web",
    "gh/-acme/web",
    "gh/ac--me/web",
    "git/acme/..",
    "git/acme/web.git",
    "gh/acme/we b",
    "gh/acme/%2e%2e",
    `gh/${"a".repeat(40)}/x`,
  ]) {
    assert.throws(() => parseProjectSlug(bad), InvalidSlugError, bad);
  }
});

test("git URLs are ssh:// or scp-like, never options or other transports", () => {
  assert.equal(parseSshGitUrl("ssh://git@git.example.com:2222/srv/app.git"), "ssh://git@git.example.com:2222/srv/app.git");
  assert.equal(parseSshGitUrl("git@git.example.com:team/app.git"), "git@git.example.com:team/app.git");
  for (const bad of [
    "https://github.com/a/b.git",
    "file:///srv/app.git",
    "ext::sh -c touch% /tmp/x",
    "-oProxyCommand=x@h:p",
    "ssh://-oProxyCommand=x/p",
    "/srv/app.git",
    "ssh://user:pw@host/p",
  ]) {
    assert.throws(() => parseSshGitUrl(bad), InvalidGitUrlError, bad);
  }
});

test("deploy keys are ed25519 in OpenSSH format that ssh-keygen reads back to the same public key", async () => {
  const key = generateDeployKey("citadel git/acme/app");
  assert.match(key.publicKey, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]+=* citadel git\/acme\/app$/);
  assert.match(key.privateKey, /^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+\n-----END OPENSSH PRIVATE KEY-----\n$/);
  const dir = await mkdtemp(join(tmpdir(), "citadel-key-"));
  try {
    await writeFile(join(dir, "key"), key.privateKey, { mode: 0o600 });
    const { stdout } = await run("ssh-keygen", ["-y", "-f", join(dir, "key")]);
    assert.equal(stdout.trim(), key.publicKey);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  assert.notEqual(generateDeployKey("x").publicKey.split(" ")[1], key.publicKey.split(" ")[1]);
});
