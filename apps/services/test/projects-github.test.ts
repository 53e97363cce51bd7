import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { pipelines, projects, settings, webhookDeliveries } from "@citadel/db/schema";
import { eq } from "drizzle-orm";
import { type GitSshServer, startGitSshServer } from "../../../test/support/git-ssh-server";
import { type GitHubApiDouble, startGitHubApiDouble } from "../../../test/support/github-api-double";
import { GitHubApiError } from "../src/domain/github-api";
import { followGithubRepository, GitHubNotConfiguredError } from "../src/domain/github-follow";
import { signBody, verifySignature } from "../src/domain/webhooks";
import { type HookServices, startHookServices } from "./hooks-support";

const TOKEN = "gho_test_user_access_token";

describe("X-Hub-Signature-256 verification", () => {
  test("GitHub's published test vector verifies", () => {
    const secret = "It's a Secret to Everybody";
    const body = Buffer.from("Hello, World!");
    const signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    assert.equal(signBody(secret, body), signature);
    assert.equal(verifySignature(secret, body, signature), true);
    assert.equal(verifySignature("another secret", body, signature), false);
    assert.equal(verifySignature(secret, Buffer.from("Hello, World?"), signature), false);
  });

  test("wrong-length, malformed, repeated and missing headers are false, never a crash", () => {
    const body = Buffer.from("Hello, World!");
    for (const header of ["sha256=", "sha256=757107", `sha256=${"0".repeat(65)}`, "", "sha1=abc", "é".repeat(71)]) {
      assert.equal(verifySignature("s", body, header), false, header);
    }
    assert.equal(verifySignature("s", body, undefined), false);
    assert.equal(verifySignature("s", body, [signBody("s", body), signBody("s", body)]), false);
  });
});

describe("GitHub follow against the API double, and /hooks/github", () => {
  let services: HookServices;
  let github: GitHubApiDouble;
  let git: GitSshServer;
  const deps = () => ({
    db: services.ctx.db,
    keyring: services.ctx.keyring,
    logger: services.ctx.logger,
    httpsPort: services.port,
  });

  before(async () => {
    [services, github, git] = await Promise.all([
      startHookServices(),
      startGitHubApiDouble({ token: TOKEN, repositories: ["acme/web", "acme/flaky"] }),
      startGitSshServer(),
    ]);
  });

  after(async () => {
    await Promise.all([services?.close(), github?.stop(), git?.stop()]);
  });

  test("without GitHub source control settings, following says what to set up", async () => {
    await assert.rejects(followGithubRepository(deps(), { slug: "gh/acme/web", accessToken: TOKEN }), GitHubNotConfiguredError);
    await services.test.database.db.insert(settings).values({
      key: "sourceControl",
      value: {
        kind: "github-enterprise",
        apiUrl: github.url,
        clientId: "client",
        clientSecretEncrypted: services.ctx.keyring.encrypt("s"),
      },
    });
  });

  test("a refused access token is a clear error and creates nothing", async () => {
    await assert.rejects(followGithubRepository(deps(), { slug: "gh/acme/web", accessToken: "wrong" }), (error: unknown) => {
      assert.ok(error instanceof GitHubApiError);
      assert.equal(error.status, 401);
      assert.match(error.message, /refused the access token/);
      assert.doesNotMatch(error.message, /wrong/);
      return true;
    });
    assert.equal((await services.test.database.db.select().from(projects)).length, 0);
  });

  test("following creates a read-only deploy key and a push webhook with the project's secret", async () => {
    const from = github.calls.length;
    const project = await followGithubRepository(deps(), { slug: "gh/acme/web", accessToken: TOKEN });
    const calls = github.calls.slice(from);
    assert.deepEqual(
      calls.map((c) => `${c.method} ${c.path}`),
      ["GET /repos/acme/web", "POST /repos/acme/web/keys", "POST /repos/acme/web/hooks"],
    );
    for (const call of calls) {
      assert.equal(call.authorization, `Bearer ${TOKEN}`);
      assert.equal(call.apiVersion, "2022-11-28");
    }
    const key = calls[1]?.body as { key: string; read_only: boolean; title: string };
    assert.equal(key.read_only, true);
    assert.equal(key.key, project.deployPublicKey);
    const hook = calls[2]?.body as { events: string[]; active: boolean; config: Record<string, string> };
    assert.deepEqual(hook.events, ["push"]);
    assert.equal(hook.active, true);
    assert.equal(hook.config.content_type, "json");
    assert.equal(hook.config.url, `https://127.0.0.1:${services.port}/hooks/github`);
    assert.equal(hook.config.secret, services.ctx.keyring.decrypt(project.webhookSecretEncrypted));
    assert.equal(project.vcs, "github");
    assert.equal(project.gitUrl, "git@github.example.test:acme/web.git");
    assert.ok(project.githubDeployKeyId);
    assert.ok(project.githubHookId);
    assert.doesNotMatch(project.webhookSecretEncrypted, new RegExp(hook.config.secret ?? "x"));
  });

  test("when the webhook cannot be created, the deploy key is removed again and no project is stored", async () => {
    github.failNextHook();
    const from = github.calls.length;
    await assert.rejects(followGithubRepository(deps(), { slug: "gh/acme/flaky", accessToken: TOKEN }), /Hook already exists/);
    const calls = github.calls.slice(from).map((c) => `${c.method} ${c.path.replace(/\d+$/, "ID")}`);
    assert.deepEqual(calls.slice(-2), ["POST /repos/acme/flaky/hooks", "DELETE /repos/acme/flaky/keys/ID"]);
    assert.equal((await services.test.database.db.select().from(projects).where(eq(projects.slug, "gh/acme/flaky"))).length, 0);
  });

  test("push webhooks: bad signatures 401, ping, duplicates ignored, deleted refs ignored, branch and tag pushes build", async () => {
    const [project] = await services.test.database.db.select().from(projects).where(eq(projects.slug, "gh/acme/web"));
    assert.ok(project);
    const secret = services.ctx.keyring.decrypt(project.webhookSecretEncrypted);
    // The repository "on GitHub" is served by the real sshd git server, reached with the project's deploy key.
    const repo = await git.createRepo("web", {
      ".circleci/config.yml": "version: 2.1\njobs:\n  build:\n    docker: [{ image: cimg/base:stable }]\n    steps: [checkout]\n",
    });
    await git.authorize(project.deployPublicKey);
    await services.test.database.db.update(projects).set({ gitUrl: repo.url }).where(eq(projects.id, project.id));
    const head = await repo.commit({ "a.txt": "a\n" }, "second commit");

    const send = (event: string, payload: unknown, options: { delivery?: string; signature?: string | null } = {}) => {
      const body = JSON.stringify(payload);
      const headers: Record<string, string> = { "X-GitHub-Event": event, "X-GitHub-Delivery": options.delivery ?? randomUUID() };
      if (options.signature !== null) headers["X-Hub-Signature-256"] = options.signature ?? signBody(secret, body);
      return services.post("/hooks/github", body, headers);
    };
    const repository = { full_name: "acme/web" };
    const push = { ref: "refs/heads/main", before: "0".repeat(40), after: head, repository, pusher: { name: "octocat" } };

    for (const signature of [signBody("wrong", JSON.stringify(push)), "sha256=00", null]) {
      assert.equal((await send("push", push, { signature })).status, 401);
    }
    assert.equal(await services.pipelineCount(project.id), 0);
    assert.equal(
      (await services.test.database.db.select().from(webhookDeliveries)).length,
      0,
      "unsigned deliveries are not recorded",
    );

    const ping = await send("ping", { zen: "Design for failure.", hook_id: 1, repository });
    assert.deepEqual([ping.status, ping.json.message], [200, "pong"]);
    assert.equal((await send("push", { ...push, repository: { full_name: "acme/unknown" } })).status, 404);
    assert.equal(
      (await services.post("/hooks/github", "{oops", { "X-GitHub-Event": "push", "X-GitHub-Delivery": "d" })).status,
      400,
    );

    const delivery = randomUUID();
    const first = await send("push", push, { delivery });
    assert.equal(first.status, 201, JSON.stringify(first.json));
    assert.equal(first.json.state, "created");
    const again = await send("push", push, { delivery });
    assert.deepEqual([again.status, again.json.message], [200, "Duplicate delivery ignored."]);
    assert.equal(await services.pipelineCount(project.id), 1);

    const deleted = await send("push", { ...push, ref: "refs/heads/old", after: "0".repeat(40), deleted: true });
    assert.equal(deleted.status, 202);
    const tagHead = await repo.tag("v1");
    const tagged = await send("push", { ...push, ref: "refs/tags/v1", after: tagHead });
    assert.equal(tagged.status, 201);

    const rows = await services.test.database.db.select().from(pipelines).where(eq(pipelines.projectId, project.id));
    assert.deepEqual(
      rows.map((p) => [p.number, p.vcs.branch ?? null, p.vcs.tag ?? null, p.vcs.revision, p.trigger.actor]).sort(),
      [
        [1, "main", null, head, "octocat"],
        [2, null, "v1", tagHead, "octocat"],
      ],
    );
  });
});
