import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { apiTokens, artifacts, jobs, pipelines, workflows } from "@citadel/db/schema";
import { eq } from "drizzle-orm";
import { insertPipeline, insertProject, startTestServices, type TestServices } from "./api-v2-support";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MISSING = "00000000-0000-4000-8000-000000000000";

describe("CircleCI API v2 subset", () => {
  let services: TestServices;
  let seeded: Awaited<ReturnType<typeof insertPipeline>>;

  before(async () => {
    services = await startTestServices();
    const project = await insertProject(services, "gh/acme/widgets");
    seeded = await insertPipeline(services, project.id, 7, 41);
  });
  after(async () => services?.close());

  describe("token auth", () => {
    test("no token, a wrong token and a malformed Basic header are 401 with CircleCI's message", async () => {
      for (const options of [
        { token: null },
        { token: "CCIPAT_0000000000000000000000000000000000000000" },
        { token: null, headers: { Authorization: "Basic !!!" } },
        { token: null, headers: { Authorization: `Bearer ${"x".repeat(10)}` } },
      ]) {
        const res = await services.call("GET", "/api/v2/me", options);
        assert.equal(res.status, 401, JSON.stringify(options));
        assert.deepEqual(res.json, { message: "You must log in first." });
      }
    });

    test("the Circle-Token header and Basic auth with the token as user both work, and record last use", async () => {
      const header = await services.call("GET", "/api/v2/me");
      assert.equal(header.status, 200);
      assert.deepEqual(Object.keys(header.json).sort(), ["id", "login", "name"]);
      assert.match(header.json.id, UUID);
      assert.equal(header.json.login, "admin");
      assert.equal(header.json.name, "Administrator");
      const basic = await services.call("GET", "/api/v2/me", {
        token: null,
        headers: { Authorization: `Basic ${Buffer.from(`${services.token}:`).toString("base64")}` },
      });
      assert.equal(basic.status, 200);
      assert.equal(basic.json.id, header.json.id);
      const [row] = await services.ctx.db.select().from(apiTokens);
      assert.ok(row?.lastUsedAt instanceof Date, "last_used_at is set");
      assert.ok(Date.now() - row.lastUsedAt.getTime() < 60_000);
      assert.match(services.token, /^CCIPAT_[0-9a-f]{40}$/);
      assert.notEqual(row.tokenHash, services.token, "only a hash is stored");
    });

    test("every API v2 route needs a token, even for things that do not exist", async () => {
      const res = await services.call("GET", `/api/v2/pipeline/${MISSING}`, { token: null });
      assert.equal(res.status, 401);
    });
  });

  describe("pipelines and workflows", () => {
    test("GET /pipeline/{id} has CircleCI's fields, vcs and trigger", async () => {
      const res = await services.call("GET", `/api/v2/pipeline/${seeded.pipeline.id}`);
      assert.equal(res.status, 200);
      const p = res.json;
      assert.equal(p.id, seeded.pipeline.id);
      assert.deepEqual(p.errors, []);
      assert.equal(p.project_slug, "gh/acme/widgets");
      assert.equal(p.number, 7);
      assert.equal(p.state, "created");
      assert.match(p.created_at, ISO);
      assert.match(p.updated_at, ISO);
      assert.deepEqual(p.trigger, {
        type: "api",
        received_at: "2026-11-22T04:00:00.000Z",
        actor: { login: "admin", avatar_url: null },
      });
      assert.equal(p.vcs.provider_name, "GitHub");
      assert.equal(p.vcs.revision, "a".repeat(40));
      assert.equal(p.vcs.branch, "main");
      assert.equal(p.vcs.origin_repository_url, "ssh://git@git.example.com/org/repo.git");
      assert.equal(p.vcs.target_repository_url, "ssh://git@git.example.com/org/repo.git");
      assert.deepEqual(p.vcs.commit, { subject: "Add tests", body: "" });
      assert.equal("tag" in p.vcs, false);
    });

    test("an errored pipeline answers its config errors as {type, message}", async () => {
      const project = await insertProject(services, "git/acme/broken");
      const { pipeline } = await insertPipeline(services, project.id, 1, 1);
      await services.ctx.db
        .update(pipelines)
        .set({ state: "errored", errors: [{ message: "jobs.build: unknown key", line: 3 }] })
        .where(eq(pipelines.id, pipeline.id));
      const res = await services.call("GET", `/api/v2/pipeline/${pipeline.id}`);
      assert.equal(res.json.state, "errored");
      assert.deepEqual(res.json.errors, [{ type: "config", message: "jobs.build: unknown key" }]);
      assert.equal(res.json.vcs.provider_name, "Git");
    });

    test("GET /pipeline/{id}/workflow lists workflows with next_page_token", async () => {
      const res = await services.call("GET", `/api/v2/pipeline/${seeded.pipeline.id}/workflow`);
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.json).sort(), ["items", "next_page_token"]);
      assert.equal(res.json.next_page_token, null);
      assert.equal(res.json.items.length, 1);
      const w = res.json.items[0];
      assert.deepEqual(Object.keys(w).sort(), [
        "canceled_by",
        "created_at",
        "errored_by",
        "id",
        "name",
        "pipeline_id",
        "pipeline_number",
        "project_slug",
        "started_by",
        "status",
        "stopped_at",
        "tag",
      ]);
      assert.equal(w.id, seeded.workflow.id);
      assert.equal(w.pipeline_id, seeded.pipeline.id);
      assert.equal(w.pipeline_number, 7);
      assert.equal(w.status, "on_hold");
      assert.equal(w.stopped_at, null);
      const single = await services.call("GET", `/api/v2/workflow/${seeded.workflow.id}`);
      assert.deepEqual(single.json, w);
    });

    test("GET /workflow/{id}/job: job_number, dependencies as ids, approval_request_id on approvals", async () => {
      const res = await services.call("GET", `/api/v2/workflow/${seeded.workflow.id}/job`);
      assert.equal(res.status, 200);
      assert.equal(res.json.next_page_token, null);
      const [build, hold, deploy] = res.json.items;
      assert.deepEqual(
        res.json.items.map((j: { name: string }) => j.name),
        ["build", "hold", "deploy"],
      );
      assert.equal(build.job_number, 41);
      assert.equal(build.type, "build");
      assert.equal(build.status, "success");
      assert.deepEqual(build.dependencies, []);
      assert.equal(build.started_at, "2026-11-22T04:01:00.000Z");
      assert.equal(build.stopped_at, "2026-11-22T04:02:30.000Z");
      assert.equal(build.project_slug, "gh/acme/widgets");
      assert.equal("approval_request_id" in build, false);
      assert.equal(hold.type, "approval");
      assert.equal(hold.status, "on_hold");
      assert.equal(hold.approval_request_id, seeded.hold.id);
      assert.equal("job_number" in hold, false, "approvals have no job number");
      assert.deepEqual(hold.dependencies, [seeded.build.id]);
      assert.equal(deploy.status, "blocked");
      assert.equal(deploy.started_at, null);
      assert.deepEqual([...deploy.dependencies].sort(), [seeded.build.id, seeded.hold.id].sort());
    });

    test("lists page by 20 with an opaque next_page_token; a forged token is a 400", async () => {
      const project = await insertProject(services, "git/acme/many");
      const { workflow } = await insertPipeline(services, project.id, 1, 1);
      await services.ctx.db.insert(jobs).values(
        Array.from({ length: 22 }, (_, i) => ({
          workflowId: workflow.id,
          projectId: project.id,
          number: 100 + i,
          name: `shard-${String(i).padStart(2, "0")}`,
          type: "build" as const,
          status: "queued" as const,
          spec: { requires: [], requiredStatus: {}, context: [], parallelism: 1, steps: [] },
          createdAt: new Date(Date.UTC(2026, 10, 22, 5, 0, i)),
        })),
      );
      const first = await services.call("GET", `/api/v2/workflow/${workflow.id}/job`);
      assert.equal(first.json.items.length, 20);
      assert.equal(typeof first.json.next_page_token, "string");
      const second = await services.call(
        "GET",
        `/api/v2/workflow/${workflow.id}/job?page-token=${encodeURIComponent(first.json.next_page_token)}`,
      );
      assert.equal(second.json.items.length, 5);
      assert.equal(second.json.next_page_token, null);
      const names = [...first.json.items, ...second.json.items].map((j: { name: string }) => j.name);
      assert.equal(new Set(names).size, 25, "no job twice across pages");
      const forged = await services.call("GET", `/api/v2/workflow/${workflow.id}/job?page-token=not-a-token`);
      assert.equal(forged.status, 400);
      assert.deepEqual(forged.json, { message: "Invalid page-token." });
    });

    test("unknown and malformed ids are 404 with CircleCI-style messages", async () => {
      for (const [path, message] of [
        [`/api/v2/pipeline/${MISSING}`, "Pipeline not found"],
        ["/api/v2/pipeline/not-a-uuid", "Pipeline not found"],
        [`/api/v2/pipeline/${MISSING}/workflow`, "Pipeline not found"],
        [`/api/v2/workflow/${MISSING}`, "Workflow not found"],
        [`/api/v2/workflow/${MISSING}/job`, "Workflow not found"],
        ["/api/v2/project/gh/acme/nothing/job/1", "Project not found"],
        ["/api/v2/project/gh/acme/widgets/job/999", "Job not found"],
        ["/api/v2/project/gh/acme/widgets/999/artifacts", "Job not found"],
      ] as const) {
        const res = await services.call("GET", path);
        assert.equal(res.status, 404, path);
        assert.deepEqual(res.json, { message }, path);
      }
    });

    test("approve refuses an unknown approval request and a job that is not on hold", async () => {
      const unknown = await services.call("POST", `/api/v2/workflow/${seeded.workflow.id}/approve/${MISSING}`);
      assert.equal(unknown.status, 404);
      assert.deepEqual(unknown.json, { message: "Approval request not found." });
      const notApproval = await services.call("POST", `/api/v2/workflow/${seeded.workflow.id}/approve/${seeded.build.id}`);
      assert.equal(notApproval.status, 404, "a build job is not an approval request");
    });

    test("approve (202 Accepted.) releases the approval's dependents; approving twice is a 400", async () => {
      const project = await insertProject(services, "git/acme/approvals");
      const flow = await insertPipeline(services, project.id, 1, 1);
      const path = `/api/v2/workflow/${flow.workflow.id}/approve/${flow.hold.id}`;
      const res = await services.call("POST", path);
      assert.equal(res.status, 202);
      assert.deepEqual(res.json, { message: "Accepted." });
      const listed = await services.call("GET", `/api/v2/workflow/${flow.workflow.id}/job`);
      const byName = Object.fromEntries(listed.json.items.map((j: { name: string }) => [j.name, j]));
      assert.equal(byName.hold.status, "success");
      assert.equal(byName.hold.approved_by, "admin");
      assert.equal(byName.deploy.status, "queued");
      const again = await services.call("POST", path);
      assert.equal(again.status, 400);
      assert.match(again.json.message, /not on hold/);
    });

    test("cancel answers 202 Accepted. and cancels unfinished jobs; rerun then answers a new workflow_id", async () => {
      const project = await insertProject(services, "git/acme/cancel");
      const flow = await insertPipeline(services, project.id, 1, 1);
      const cancel = await services.call("POST", `/api/v2/workflow/${flow.workflow.id}/cancel`);
      assert.equal(cancel.status, 202);
      assert.deepEqual(cancel.json, { message: "Accepted." });
      const workflow = await services.call("GET", `/api/v2/workflow/${flow.workflow.id}`);
      assert.equal(workflow.json.status, "canceled");
      const listed = await services.call("GET", `/api/v2/workflow/${flow.workflow.id}/job`);
      assert.deepEqual(
        listed.json.items.map((j: { name: string; status: string }) => [j.name, j.status]),
        [
          ["build", "success"],
          ["hold", "canceled"],
          ["deploy", "canceled"],
        ],
      );
      const rerunPath = `/api/v2/workflow/${flow.workflow.id}/rerun`;
      const selected = await services.call("POST", rerunPath, { body: JSON.stringify({ jobs: [flow.build.id] }) });
      assert.equal(selected.status, 400);
      const rerun = await services.call("POST", rerunPath, { body: JSON.stringify({ from_failed: true }) });
      assert.equal(rerun.status, 202);
      assert.deepEqual(Object.keys(rerun.json), ["workflow_id"]);
      assert.match(rerun.json.workflow_id, UUID);
      const fresh = await services.call("GET", `/api/v2/workflow/${rerun.json.workflow_id}`);
      assert.equal(fresh.status, 200);
      assert.equal(fresh.json.pipeline_id, flow.pipeline.id);
      assert.equal(fresh.json.name, "main");
      const listedFresh = await services.call("GET", `/api/v2/pipeline/${flow.pipeline.id}/workflow`);
      assert.equal(listedFresh.json.items.length, 2);
    });

    test("rerun validates its body and refuses a workflow that is still running", async () => {
      const path = `/api/v2/workflow/${seeded.workflow.id}/rerun`;
      const stillRunning = await services.call("POST", path, { body: JSON.stringify({ from_failed: true }) });
      assert.equal(stillRunning.status, 400);
      const badField = await services.call("POST", path, { body: JSON.stringify({ from_failed: "yes" }) });
      assert.equal(badField.status, 400);
      assert.match(badField.json.message, /^Invalid request: from_failed/);
    });
  });

  describe("jobs and artifacts", () => {
    test("GET /project/{slug}/job/{n} answers the job details shape; github/ is accepted for gh/", async () => {
      const res = await services.call("GET", "/api/v2/project/github/acme/widgets/job/41", {
        headers: { Host: "ci.example.com" },
      });
      assert.equal(res.status, 200);
      const j = res.json;
      assert.equal(j.number, 41);
      assert.equal(j.name, "build");
      assert.equal(j.status, "success");
      assert.equal(j.duration, 90_000);
      assert.equal(j.parallelism, 2);
      assert.deepEqual(j.parallel_runs, [
        { index: 0, status: "success" },
        { index: 1, status: "success" },
      ]);
      assert.deepEqual(j.executor, { type: "docker", resource_class: "large" });
      assert.deepEqual(j.contexts, [{ name: "deploy-secrets" }]);
      assert.deepEqual(j.pipeline, { id: seeded.pipeline.id });
      assert.deepEqual(j.latest_workflow, { id: seeded.workflow.id, name: "main" });
      assert.deepEqual(j.organization, { name: "acme" });
      assert.equal(j.project.slug, "gh/acme/widgets");
      assert.equal(j.project.name, "widgets");
      assert.equal(j.web_url, `https://ci.example.com/pipelines/gh/acme/widgets/7/workflows/${seeded.workflow.id}/jobs/41`);
      for (const field of ["created_at", "queued_at", "started_at", "stopped_at"]) assert.match(j[field], ISO, field);
      assert.deepEqual(j.messages, []);
    });

    test("GET /project/{slug}/{n}/artifacts lists path, node_index and url", async () => {
      await services.ctx.db.insert(artifacts).values([
        { jobId: seeded.build.id, path: "reports/junit.xml", objectKey: "a/1", size: 10 },
        { jobId: seeded.build.id, path: "dist/app bundle.tgz", objectKey: "a/2", size: 20 },
      ]);
      const res = await services.call("GET", "/api/v2/project/gh/acme/widgets/41/artifacts", {
        headers: { Host: "ci.example.com" },
      });
      assert.equal(res.status, 200);
      assert.equal(res.json.next_page_token, null);
      assert.deepEqual(
        res.json.items.map((a: { path: string; node_index: number }) => [a.path, a.node_index]),
        [
          ["dist/app bundle.tgz", 0],
          ["reports/junit.xml", 0],
        ],
      );
      assert.match(res.json.items[0].url, /^https:\/\/ci\.example\.com\/artifacts\/[0-9a-f-]{36}\/dist\/app%20bundle\.tgz$/);
      const none = await services.call("GET", "/api/v2/project/gh/acme/widgets/42/artifacts");
      assert.deepEqual(none.json, { items: [], next_page_token: null });
    });
  });

  describe("clean 4xx answers", () => {
    test("unknown routes are 404 and wrong methods 405, as JSON", async () => {
      const unknown = await services.call("GET", "/api/v2/nothing/here");
      assert.equal(unknown.status, 404);
      assert.deepEqual(unknown.json, { message: "Not found" });
      const method = await services.call("PUT", "/api/v2/me");
      assert.equal(method.status, 405);
      assert.deepEqual(method.json, { message: "Method not allowed." });
    });

    test("malformed JSON, wrong fields and oversized bodies are 400/413 and create nothing", async () => {
      const before = await services.ctx.db.select().from(workflows);
      const path = "/api/v2/project/gh/acme/widgets/pipeline";
      const malformed = await services.call("POST", path, { body: "{branch: main" });
      assert.equal(malformed.status, 400);
      assert.deepEqual(malformed.json, { message: "Request body is not valid JSON." });
      const unknownField = await services.call("POST", path, { body: JSON.stringify({ branch: "main", revision: "abc" }) });
      assert.equal(unknownField.status, 400);
      const both = await services.call("POST", path, { body: JSON.stringify({ branch: "main", tag: "v1" }) });
      assert.equal(both.status, 400);
      assert.deepEqual(both.json, { message: "Give a branch or a tag, not both." });
      const oversized = await services.call("POST", path, { body: JSON.stringify({ branch: "x".repeat(200 * 1024) }) });
      assert.equal(oversized.status, 413);
      assert.match(oversized.json.message, /too large/);
      const unknownProject = await services.call("POST", "/api/v2/project/gh/acme/nothing/pipeline", { body: "{}" });
      assert.equal(unknownProject.status, 404);
      assert.deepEqual(unknownProject.json, { message: "Project not found" });
      assert.equal((await services.ctx.db.select().from(workflows)).length, before.length);
    });
  });
});
