import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { jobs, pipelines, projects, workflows } from "@citadel/db/schema";
import { createGitProject, type NewProject, postReceiveHookScript } from "@citadel/projects";
import { eq, inArray } from "drizzle-orm";
import { type GitRepo, type GitSshServer, startGitSshServer } from "../../../test/support/git-ssh-server";
import { syncMirror } from "../src/domain/mirror";
import { HostKeyChangedError, MirrorAuthError } from "../src/domain/mirror-errors";
import { createPipeline } from "../src/domain/pipelines";
import { signBody } from "../src/domain/webhooks";
import { type HookServices, startHookServices } from "./hooks-support";

const VALID_CONFIG = `version: 2.1
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps: [checkout, { run: echo building << pipeline.git.branch >> }]
  test:
    docker: [{ image: cimg/base:stable }]
    steps: [{ run: echo testing }]
  release:
    docker: [{ image: cimg/base:stable }]
    steps: [{ run: echo releasing }]
workflows:
  main:
    jobs:
      - build
      - test:
          requires: [build]
      - release:
          filters:
            tags: { only: /^v.*/ }
            branches: { ignore: /.*/ }
`;

const INVALID_CONFIG = `version: 2.1
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps: [{ run: echo hi }]
workflows:
  main:
    jobs:
      - build:
          requires: [no-such-job]
`;

describe("plain git webhook → pipeline, over a real sshd git server", () => {
  let services: HookServices;
  let server: GitSshServer;
  let repo: GitRepo;
  let created: NewProject;

  before(async () => {
    [services, server] = await Promise.all([startHookServices(), startGitSshServer()]);
    repo = await server.createRepo("app", { ".circleci/config.yml": VALID_CONFIG, "README.md": "hello\n" });
    created = await createGitProject(services.ctx.db, services.ctx.keyring, {
      slug: "git/acme/app",
      gitUrl: repo.url,
      httpsPort: services.port,
    });
    await server.authorize(created.project.deployPublicKey);
    await repo.installPostReceiveHook(
      postReceiveHookScript(created.webhookUrl, created.webhookSecret, { caCertPath: services.caCertPath }),
    );
  });

  after(async () => {
    await Promise.all([services?.close(), server?.stop()]);
  });

  async function workflowsAndJobs(pipelineId: string) {
    const db = services.test.database.db;
    const flows = await db.select().from(workflows).where(eq(workflows.pipelineId, pipelineId));
    const jobRows = flows.length
      ? await db
          .select()
          .from(jobs)
          .where(
            inArray(
              jobs.workflowId,
              flows.map((w) => w.id),
            ),
          )
      : [];
    return { flows, jobRows };
  }

  test("the webhook URL names the configured hostname and port", () => {
    assert.equal(created.webhookUrl, `https://127.0.0.1:${services.port}/hooks/git/${created.project.id}`);
  });

  test("a push runs the post-receive hook: signed webhook → pipeline with its workflow, build queued and test blocked", async () => {
    const revision = await repo.commit({ "src.txt": "one\n" }, "add src");
    assert.match(repo.hookOutput(), /"state":"created"/);
    const [pipeline] = await services.test.database.db
      .select()
      .from(pipelines)
      .where(eq(pipelines.projectId, created.project.id));
    assert.ok(pipeline);
    assert.equal(pipeline.state, "created");
    assert.equal(pipeline.number, 1);
    assert.deepEqual(pipeline.errors, []);
    assert.equal(pipeline.vcs.branch, "main");
    assert.equal(pipeline.vcs.revision, revision);
    assert.equal(pipeline.vcs.commitSubject, "add src");
    assert.equal(pipeline.trigger.type, "webhook");

    const { flows, jobRows } = await workflowsAndJobs(pipeline.id);
    assert.deepEqual(
      flows.map((w) => w.name),
      ["main"],
    );
    const states = Object.fromEntries(jobRows.map((j) => [j.name, j.status]));
    assert.deepEqual(states, { build: "queued", test: "blocked" }, "release only runs for tags");
    const build = jobRows.find((j) => j.name === "build");
    assert.match(JSON.stringify(build?.spec), /echo building main/, "pipeline values reach the plan");
  });

  test("the git server's host key was pinned on first contact", async () => {
    const [row] = await services.test.database.db.select().from(projects).where(eq(projects.id, created.project.id));
    assert.ok(row?.sshHostKey);
    assert.ok(row.sshHostKey.includes(await server.hostPublicKey()));
    assert.ok(row.sshHostKey.startsWith(`[127.0.0.1]:${server.port} `));
  });

  test("a tag push creates a pipeline for the tag running only tag-filtered jobs", async () => {
    const revision = await repo.tag("v1.0.0");
    const rows = await services.test.database.db.select().from(pipelines).where(eq(pipelines.projectId, created.project.id));
    const tagged = rows.find((p) => p.vcs.tag === "v1.0.0");
    assert.ok(tagged, repo.hookOutput());
    assert.equal(tagged.vcs.revision, revision);
    assert.equal(tagged.vcs.branch, undefined);
    const { jobRows } = await workflowsAndJobs(tagged.id);
    assert.deepEqual(
      jobRows.map((j) => [j.name, j.status]),
      [["release", "queued"]],
    );
  });

  test("an invalid config gives an errored pipeline with readable, positioned errors", async () => {
    await repo.commit({ ".circleci/config.yml": INVALID_CONFIG }, "break the config");
    assert.match(repo.hookOutput(), /"state":"errored"/);
    const rows = await services.test.database.db.select().from(pipelines).where(eq(pipelines.projectId, created.project.id));
    const errored = rows.find((p) => p.vcs.commitSubject === "break the config");
    assert.equal(errored?.state, "errored");
    const [error] = errored?.errors ?? [];
    assert.match(String(error?.message), /no-such-job/);
    assert.equal(typeof error?.path, "string");
    assert.ok(Number(error?.line) >= 9, `line of the bad requires: ${JSON.stringify(error)}`);
    assert.ok(Number(error?.column) > 0);
    const flows = await services.test.database.db
      .select()
      .from(workflows)
      .where(eq(workflows.pipelineId, errored?.id ?? ""));
    assert.equal(flows.length, 0);
  });

  test("a commit without .circleci/config.yml gives an errored pipeline saying so", async () => {
    const revision = await repo.commit({ ".circleci/config.yml": null }, "remove the config");
    assert.match(repo.hookOutput(), /No .circleci\/config.yml at revision/);
    const rows = await services.test.database.db.select().from(pipelines).where(eq(pipelines.projectId, created.project.id));
    const errored = rows.find((p) => p.vcs.revision === revision);
    assert.equal(errored?.state, "errored");
    assert.deepEqual(
      errored?.errors.map((e) => e.message),
      [`No .circleci/config.yml at revision ${revision}.`],
    );
  });

  test("registry orbs resolve from <data>/orbs; a missing one errors the pipeline", async () => {
    await mkdir(join(services.test.dataDir, "orbs", "acme"), { recursive: true });
    await writeFile(
      join(services.test.dataDir, "orbs", "acme", "tools@1.0.0.yml"),
      "version: 2.1\ncommands:\n  greet:\n    steps:\n      - run: echo hello from the orb\n",
    );
    const withOrb = (version: string) =>
      `version: 2.1\norbs:\n  tools: acme/tools@${version}\njobs:\n  build:\n    docker: [{ image: cimg/base:stable }]\n    steps: [tools/greet]\n`;
    const good = await repo.commit({ ".circleci/config.yml": withOrb("1.0.0") }, "use the tools orb");
    const missing = await repo.commit({ ".circleci/config.yml": withOrb("9.9.9") }, "use a missing orb version");
    const rows = await services.test.database.db.select().from(pipelines).where(eq(pipelines.projectId, created.project.id));
    const byRevision = new Map(rows.map((p) => [p.vcs.revision, p]));
    assert.equal(byRevision.get(good)?.state, "created", JSON.stringify(byRevision.get(good)?.errors));
    assert.match(JSON.stringify(byRevision.get(good)?.plan), /hello from the orb/);
    assert.equal(byRevision.get(missing)?.state, "errored");
    assert.match(JSON.stringify(byRevision.get(missing)?.errors), /acme\/tools@9\.9\.9/);
  });

  test("bad, wrong-length and missing signatures get 401 and create nothing", async () => {
    const body = JSON.stringify({ ref: "refs/heads/main", before: "0".repeat(40), after: "a".repeat(40) });
    const path = `/hooks/git/${created.project.id}`;
    const count = await services.pipelineCount(created.project.id);
    const badHeaders: Record<string, string>[] = [
      { "X-Citadel-Signature-256": signBody("not the secret", body) },
      { "X-Citadel-Signature-256": "sha256=abc" },
      { "X-Citadel-Signature-256": `${signBody(created.webhookSecret, body)}00` },
      {},
    ];
    for (const headers of badHeaders) {
      const answer = await services.post(path, body, headers);
      assert.equal(answer.status, 401, JSON.stringify(headers));
      assert.match(String(answer.json.message), /signature/);
    }
    assert.equal(await services.pipelineCount(created.project.id), count);
  });

  test("malformed JSON, bad fields and oversized bodies get clean 4xx answers; deleted refs are ignored", async () => {
    const path = `/hooks/git/${created.project.id}`;
    const count = await services.pipelineCount(created.project.id);
    const malformed = "{not json";
    assert.equal(
      (await services.post(path, malformed, { "X-Citadel-Signature-256": signBody(created.webhookSecret, malformed) })).status,
      400,
    );
    const badField = JSON.stringify({ ref: "refs/heads/main", before: "x", after: "y" });
    const fieldAnswer = await services.post(path, badField, {
      "X-Citadel-Signature-256": signBody(created.webhookSecret, badField),
    });
    assert.equal(fieldAnswer.status, 400);
    assert.match(String(fieldAnswer.json.message), /before/);
    const huge = JSON.stringify({ ref: "x".repeat(100_000), before: "0".repeat(40), after: "0".repeat(40) });
    assert.equal(
      (await services.post(path, huge, { "X-Citadel-Signature-256": signBody(created.webhookSecret, huge) })).status,
      413,
    );
    const deletion = JSON.stringify({ ref: "refs/heads/gone", before: "a".repeat(40), after: "0".repeat(40) });
    const deleted = await services.post(path, deletion, { "X-Citadel-Signature-256": signBody(created.webhookSecret, deletion) });
    assert.equal(deleted.status, 202);
    assert.equal((await services.post("/hooks/git/git/acme/unknown", deletion, {})).status, 404);
    assert.equal(await services.pipelineCount(created.project.id), count);
  });

  test("concurrent pipelines of one project get distinct consecutive numbers", async () => {
    const before = await services.pipelineCount(created.project.id);
    const made = await Promise.all(
      Array.from({ length: 4 }, () =>
        createPipeline(services.ctx, { project: created.project, branch: "main", trigger: { type: "api", actor: "test" } }),
      ),
    );
    assert.deepEqual(
      made.map((p) => p.number).sort((a, b) => a - b),
      [before + 1, before + 2, before + 3, before + 4],
    );
  });

  test("a deploy key the server does not accept fails with a message saying so", async () => {
    const stranger = await createGitProject(services.ctx.db, services.ctx.keyring, {
      slug: "git/acme/stranger",
      gitUrl: repo.url,
      httpsPort: services.port,
    });
    const deps = {
      db: services.ctx.db,
      keyring: services.ctx.keyring,
      dataDir: services.test.dataDir,
      logger: services.ctx.logger,
    };
    await assert.rejects(syncMirror(deps, stranger.project), (error: unknown) => {
      assert.ok(error instanceof MirrorAuthError);
      assert.match(error.message, /refused the deploy key of git\/acme\/stranger/);
      return true;
    });
  });

  test("a changed host key is refused with a message saying so, and nothing is created", async () => {
    await server.replaceHostKey();
    const [project] = await services.test.database.db.select().from(projects).where(eq(projects.id, created.project.id));
    assert.ok(project);
    const deps = {
      db: services.ctx.db,
      keyring: services.ctx.keyring,
      dataDir: services.test.dataDir,
      logger: services.ctx.logger,
    };
    await assert.rejects(syncMirror(deps, project), (error: unknown) => {
      assert.ok(error instanceof HostKeyChangedError);
      assert.match(error.message, /host key .* has changed/);
      assert.match(error.message, /SHA256:/);
      return true;
    });
    assert.equal(created.project.sshHostKey, null, "a row read before first contact");
    await assert.rejects(syncMirror(deps, created.project), HostKeyChangedError, "a stale row cannot re-pin");
    const count = await services.pipelineCount(created.project.id);
    await repo.commit({ "src.txt": "two\n" }, "after the key change");
    assert.match(repo.hookOutput(), /has changed since it was pinned/);
    assert.equal(await services.pipelineCount(created.project.id), count);
    const [still] = await services.test.database.db.select().from(projects).where(eq(projects.id, created.project.id));
    assert.equal(still?.sshHostKey, project.sshHostKey, "the pinned key is kept");
  });
});
