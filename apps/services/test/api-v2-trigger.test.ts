import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { settings } from "@citadel/db/schema";
import { createGitProject } from "@citadel/projects";
import { type GitRepo, type GitSshServer, startGitSshServer } from "../../../test/support/git-ssh-server";
import { startTestServices, type TestServices } from "./api-v2-support";

const CONFIG = `version: 2.1
parameters:
  target: { type: string, default: staging }
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps: [checkout, { run: echo building for << pipeline.parameters.target >> }]
  deploy:
    docker: [{ image: cimg/base:stable }]
    steps: [{ run: echo deploying }]
workflows:
  main:
    jobs:
      - build:
          filters: { tags: { only: /.*/ } }
      - hold:
          type: approval
          requires: [build]
          filters: { tags: { only: /.*/ } }
      - deploy:
          requires: [hold]
          filters: { tags: { only: /.*/ } }
`;

/** POST /api/v2/project/{slug}/pipeline through the real createPipeline, reading a real repository over SSH. */
describe("API v2 pipeline trigger", () => {
  let services: TestServices;
  let server: GitSshServer;
  let repo: GitRepo;
  const path = "/api/v2/project/git/acme/app/pipeline";

  before(async () => {
    [services, server] = await Promise.all([startTestServices(), startGitSshServer()]);
    repo = await server.createRepo("app", { ".circleci/config.yml": CONFIG });
    await services.ctx.db.insert(settings).values({ key: "hostname", value: { hostname: "127.0.0.1" } });
    const created = await createGitProject(services.ctx.db, services.ctx.keyring, {
      slug: "git/acme/app",
      gitUrl: repo.url,
      httpsPort: 443,
    });
    await server.authorize(created.project.deployPublicKey);
  });
  after(async () => Promise.all([services?.close(), server?.stop()]));

  test("a branch with parameters: 201 {id, state, number, created_at}, then the pipeline, its workflow and jobs", async () => {
    const revision = await repo.commit({ "README.md": "hello\n" }, "Add readme");
    const res = await services.call("POST", path, { body: JSON.stringify({ branch: "main", parameters: { target: "prod" } }) });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(Object.keys(res.json).sort(), ["created_at", "id", "number", "state"]);
    assert.equal(res.json.state, "created");
    assert.equal(res.json.number, 1);

    const pipeline = (await services.call("GET", `/api/v2/pipeline/${res.json.id}`)).json;
    assert.equal(pipeline.project_slug, "git/acme/app");
    assert.equal(pipeline.trigger.type, "api");
    assert.equal(pipeline.trigger.actor.login, "admin");
    assert.equal(pipeline.vcs.revision, revision);
    assert.equal(pipeline.vcs.branch, "main");
    assert.equal(pipeline.vcs.commit.subject, "Add readme");
    assert.deepEqual(pipeline.trigger_parameters, { target: "prod" });

    const flows = (await services.call("GET", `/api/v2/pipeline/${res.json.id}/workflow`)).json;
    assert.equal(flows.items.length, 1);
    assert.equal(flows.items[0].name, "main");
    assert.equal(flows.items[0].status, "running");
    const listed = (await services.call("GET", `/api/v2/workflow/${flows.items[0].id}/job`)).json;
    const byName = Object.fromEntries(listed.items.map((j: { name: string }) => [j.name, j]));
    assert.equal(byName.build.status, "queued");
    assert.equal(typeof byName.build.job_number, "number");
    assert.equal(byName.hold.type, "approval");
    assert.equal(byName.hold.status, "blocked");
    assert.equal(byName.hold.approval_request_id, byName.hold.id);
    assert.deepEqual(byName.hold.dependencies, [byName.build.id]);
    assert.deepEqual(byName.deploy.dependencies, [byName.hold.id]);

    const job = (await services.call("GET", `/api/v2/project/git/acme/app/job/${byName.build.job_number}`)).json;
    assert.equal(job.name, "build");
    assert.equal(job.status, "queued");
    assert.equal(job.pipeline.id, res.json.id);
  });

  test("a tag builds too, and numbers go on", async () => {
    await repo.tag("v1.0.0");
    const res = await services.call("POST", path, { body: JSON.stringify({ tag: "v1.0.0" }) });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.number, 2);
    const pipeline = (await services.call("GET", `/api/v2/pipeline/${res.json.id}`)).json;
    assert.equal(pipeline.vcs.tag, "v1.0.0");
  });

  test("an invalid config gives an errored pipeline whose errors read as CircleCI's", async () => {
    await repo.commit(
      { ".circleci/config.yml": "version: 2.1\nworkflows:\n  main:\n    jobs: [nope]\n" },
      "Break config",
      "broken",
    );
    const res = await services.call("POST", path, { body: JSON.stringify({ branch: "broken" }) });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.state, "errored");
    const pipeline = (await services.call("GET", `/api/v2/pipeline/${res.json.id}`)).json;
    assert.equal(pipeline.state, "errored");
    assert.ok(pipeline.errors.length > 0);
    for (const error of pipeline.errors) {
      assert.equal(error.type, "config");
      assert.equal(typeof error.message, "string");
      assert.ok(error.message.length > 0);
    }
    assert.deepEqual((await services.call("GET", `/api/v2/pipeline/${res.json.id}/workflow`)).json.items, []);
  });

  test("an unknown branch is a 400 naming it, and creates no pipeline", async () => {
    const res = await services.call("POST", path, { body: JSON.stringify({ branch: "no-such-branch" }) });
    assert.equal(res.status, 400);
    assert.match(res.json.message, /no-such-branch/);
    const next = await services.call("POST", path, { body: JSON.stringify({ branch: "main" }) });
    assert.equal(next.json.number, 4, "the refused trigger used no number");
  });
});
