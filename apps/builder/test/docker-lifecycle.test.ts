import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { InfrastructureError, InvalidJobSpecError } from "../src/errors";
import { docker, JOB_IMAGE, jobSpec, labelled, runtime, testBuilderId } from "./support";

const builderId = testBuilderId("lifecycle");
const SLEEP = ["sleep", "infinity"];
const none = { containers: 0, networks: 0, volumes: 0 };

/** A local image declaring a VOLUME, made from the job image without any registry. */
const VOLUME_IMAGE = `citadel-test/with-volume:${randomBytes(4).toString("hex")}`;
before(async () => {
  const base = await docker.createContainer({ Image: JOB_IMAGE, Cmd: ["true"], Labels: { "citadel.builder": builderId } });
  const [repo, tag] = VOLUME_IMAGE.split(":");
  await base.commit({ repo, tag, changes: "VOLUME /data" });
  await base.remove();
});
after(() => docker.getImage(VOLUME_IMAGE).remove({ force: true }));

async function volumeExists(name: string): Promise<boolean> {
  return docker
    .getVolume(name)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

describe("job sandbox lifecycle", () => {
  test("a missing image fails as infrastructure with its name, before anything is created", async () => {
    for (const spec of [
      jobSpec({ primary: { image: "cimg/nope:1.0" } }),
      jobSpec({ secondaries: [{ image: "cimg/postgres:99.9", command: SLEEP }] }),
    ]) {
      const missing = spec.secondaries?.[0]?.image ?? spec.primary.image;
      await assert.rejects(
        runtime(builderId).prepare(spec),
        (error: unknown) =>
          error instanceof InfrastructureError &&
          error.jobStatus === "infrastructure_fail" &&
          error.message.includes(`"${missing}"`) &&
          /local engine/.test(error.message) &&
          /no registry/.test(error.message),
      );
      assert.deepEqual(await labelled(`citadel.job=${spec.jobId}`), none);
    }
  });

  test("the image alias map runs real config names on local images, and names both when the target is missing", async () => {
    const aliased = runtime(builderId, { imageAliases: { "cimg/base:*": JOB_IMAGE, "cimg/missing:*": "local/absent:1" } });
    const sandbox = await aliased.prepare(jobSpec({ primary: { image: "cimg/base:2024.01" } }));
    try {
      const info = await docker.getContainer(sandbox.primaryContainerId).inspect();
      assert.equal(info.Config.Image, JOB_IMAGE);
      assert.equal((await sandbox.exec("true")).exitCode, 0);
    } finally {
      await sandbox.destroy();
    }
    await assert.rejects(
      aliased.prepare(jobSpec({ primary: { image: "cimg/missing:1" } })),
      (error: unknown) =>
        error instanceof InfrastructureError &&
        error.message.includes('"local/absent:1"') &&
        error.message.includes('"cimg/missing:1"'),
    );
  });

  test("a failure half way through prepare removes what was already created", async () => {
    const spec = jobSpec({ network: "job", secondaries: [{ image: JOB_IMAGE, command: SLEEP, user: "no-such-user" }] });
    await assert.rejects(runtime(builderId).prepare(spec), (error: unknown) => {
      assert.ok(error instanceof InfrastructureError);
      assert.match(error.message, /no-such-user/);
      return true;
    });
    assert.deepEqual(await labelled(`citadel.job=${spec.jobId}`), none);
  });

  test("destroy removes containers, the job network, anonymous and labelled volumes; it is idempotent", async () => {
    const spec = jobSpec({ network: "job", secondaries: [{ image: VOLUME_IMAGE, command: SLEEP }] });
    const sandbox = await runtime(builderId).prepare(spec);
    const secondary = await docker.getContainer(sandbox.secondaryContainerIds[0] ?? "").inspect();
    const anonymous = secondary.Mounts.find((m) => m.Destination === "/data")?.Name;
    assert.ok(anonymous && (await volumeExists(anonymous)), "the image's VOLUME made an anonymous volume");
    await docker.createVolume({
      Name: `${spec.jobId}-cache`,
      Labels: { "citadel.job": spec.jobId, "citadel.builder": builderId },
    });
    assert.deepEqual(await labelled(`citadel.job=${spec.jobId}`), { containers: 2, networks: 1, volumes: 1 });

    await Promise.all([sandbox.destroy(), sandbox.destroy()]);
    await sandbox.destroy();
    assert.deepEqual(await labelled(`citadel.job=${spec.jobId}`), none);
    assert.equal(await volumeExists(anonymous), false);
  });

  test("destroy works whatever state the containers are in", async () => {
    const sandbox = await runtime(builderId).prepare(jobSpec({ secondaries: [{ image: JOB_IMAGE, command: SLEEP }] }));
    // The step's container dies under it: an exit code, or an infrastructure failure if it was gone before we asked.
    const running = sandbox.exec("sleep 600").then(
      (result) => result.exitCode,
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await docker.getContainer(sandbox.primaryContainerId).kill();
    await docker.getContainer(sandbox.secondaryContainerIds[0] ?? "").remove({ force: true });
    await sandbox.destroy();
    const outcome = await running;
    assert.ok(outcome instanceof InfrastructureError || typeof outcome === "number", String(outcome));
    assert.deepEqual(await labelled(`citadel.job=${sandbox.jobId}`), none);
    await assert.rejects(sandbox.exec("true"), InfrastructureError, "a step in a destroyed sandbox is an infrastructure failure");
  });

  test("the reaper removes a crashed builder's leftovers, keeps running jobs, and leaves other builders alone", async () => {
    const crashedId = testBuilderId("crashed");
    const otherId = testBuilderId("other");
    const [stale, live] = [jobSpec({ network: "job" }), jobSpec()];
    await runtime(crashedId).prepare(stale);
    await runtime(crashedId).prepare(live);
    const other = await runtime(otherId).prepare(jobSpec());

    const restarted = runtime(crashedId);
    assert.deepEqual(await restarted.reapLeftovers({ keepJobIds: [live.jobId] }), { containers: 1, networks: 1, volumes: 0 });
    assert.deepEqual(await labelled(`citadel.job=${stale.jobId}`), none);
    assert.equal((await labelled(`citadel.job=${live.jobId}`)).containers, 1);

    assert.deepEqual(await restarted.reapLeftovers(), { containers: 1, networks: 0, volumes: 0 });
    assert.deepEqual(await labelled(`citadel.builder=${crashedId}`), none);
    assert.equal((await labelled(`citadel.job=${other.jobId}`)).containers, 1, "another builder's job is untouched");
    assert.deepEqual(await restarted.reapLeftovers(), none);
  });

  test("unsafe specs are refused before the engine is touched", async () => {
    await assert.rejects(runtime(builderId).prepare(jobSpec({ jobId: "../etc" })), InvalidJobSpecError);
    await assert.rejects(
      runtime(builderId).prepare(jobSpec({ labels: { "citadel.builder": "someone-else" } })),
      InvalidJobSpecError,
    );
    await assert.rejects(
      runtime(builderId).prepare(jobSpec({ secondaries: [{ image: JOB_IMAGE, name: "bad name" }] })),
      InvalidJobSpecError,
    );
  });
});
