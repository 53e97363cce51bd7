import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import type Docker from "dockerode";
import { type DockerSandbox, JOB_CAPABILITIES } from "../src/runtime/docker/index";
import { docker, JOB_IMAGE, jobSpec, resources, runtime, testBuilderId } from "./support";

const builderId = testBuilderId("hardening");
const sandboxes: DockerSandbox[] = [];
after(() => Promise.all(sandboxes.map((s) => s.destroy())));

async function prepare(...args: Parameters<typeof jobSpec>): Promise<DockerSandbox> {
  const sandbox = await runtime(builderId).prepare(jobSpec(...args));
  sandboxes.push(sandbox);
  return sandbox;
}

async function stdout(sandbox: DockerSandbox, command: string, user?: string): Promise<{ exitCode: number | null; out: string }> {
  let out = "";
  const result = await sandbox.exec(command, { ...(user ? { user } : {}), onOutput: (_s, chunk) => (out += chunk) });
  return { exitCode: result.exitCode, out };
}

/** Runs a command in any container (a secondary) with plain engine calls. */
async function execIn(containerId: string, cmd: string[]): Promise<string> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ Detach: false, Tty: false });
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  await new Promise((resolve) => stream.once("end", resolve));
  // Strip the 8-byte multiplexing headers.
  const raw = Buffer.concat(chunks);
  let text = "";
  for (let i = 0; i + 8 <= raw.length; ) {
    const length = raw.readUInt32BE(i + 4);
    text += raw.subarray(i + 8, i + 8 + length).toString();
    i += 8 + length;
  }
  return text;
}

/** The documented list, spelled out: changing the capabilities must change this test and README.md. */
const DOCUMENTED_CAPABILITIES = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "NET_BIND_SERVICE"];
/** Linux capability numbers of the documented list (CapEff in /proc/self/status). */
const CAPABILITY_BITS = { CHOWN: 0, DAC_OVERRIDE: 1, FOWNER: 3, FSETID: 4, KILL: 5, SETGID: 6, SETUID: 7, NET_BIND_SERVICE: 10 };

function assertHardened(info: Docker.ContainerInspectInfo, networkMode: string) {
  const host = info.HostConfig;
  assert.equal(host.Privileged, false);
  assert.deepEqual(host.Binds ?? [], [], "no bind mounts");
  assert.deepEqual(info.Mounts, [], "no mounts at all (no Docker socket, no host path, no volume)");
  assert.deepEqual(host.Devices ?? [], []);
  assert.ok(host.SecurityOpt?.includes("no-new-privileges"), `SecurityOpt: ${host.SecurityOpt}`);
  assert.ok(!host.SecurityOpt?.some((opt: string) => opt.startsWith("seccomp")), "the engine's default seccomp profile");
  assert.deepEqual(host.CapDrop, ["ALL"]);
  assert.deepEqual([...(host.CapAdd ?? [])].sort(), [...DOCUMENTED_CAPABILITIES].sort());
  assert.equal(host.PidsLimit, resources.pidsLimit);
  assert.equal(host.Memory, resources.memoryBytes);
  assert.equal(host.NanoCpus, resources.cpus * 1e9);
  assert.equal(host.ReadonlyRootfs, false);
  assert.equal(host.NetworkMode, networkMode);
}

describe("hardened job containers", () => {
  test("primary and secondary are inspected hardened; the processes inside agree", async () => {
    assert.deepEqual([...JOB_CAPABILITIES], DOCUMENTED_CAPABILITIES);
    const sandbox = await prepare({ secondaries: [{ image: JOB_IMAGE, name: "db", command: ["sleep", "infinity"] }] });
    const [secondaryId] = sandbox.secondaryContainerIds;
    assert.ok(secondaryId);
    assertHardened(await docker.getContainer(sandbox.primaryContainerId).inspect(), "none");
    assertHardened(await docker.getContainer(secondaryId).inspect(), `container:${sandbox.primaryContainerId}`);

    const status = (await stdout(sandbox, "cat /proc/self/status")).out;
    const field = (name: string) => status.match(new RegExp(`^${name}:\\s*(\\S+)`, "m"))?.[1];
    const expectedCaps = Object.values(CAPABILITY_BITS).reduce((mask, bit) => mask | (1n << BigInt(bit)), 0n);
    assert.equal(BigInt(`0x${field("CapBnd")}`), expectedCaps, "bounding set is exactly the documented list");
    assert.equal(BigInt(`0x${field("CapEff")}`), expectedCaps);
    assert.equal(field("NoNewPrivs"), "1");
    assert.equal(field("Seccomp"), "2", "a seccomp filter is active");
  });

  test("the kept capabilities do what they are for; dropped ones are gone", async () => {
    const sandbox = await prepare();
    const allowed = await stdout(
      sandbox,
      "touch /tmp/f && chown nobody:nogroup /tmp/f && chmod 4755 /tmp/f && setpriv --reuid=nobody --regid=nogroup --clear-groups id -u",
    );
    assert.deepEqual(allowed, { exitCode: 0, out: "65534\n" });
    assert.notEqual((await stdout(sandbox, "mknod /tmp/dev c 1 3")).exitCode, 0, "MKNOD dropped");
    assert.notEqual((await stdout(sandbox, "chroot / true")).exitCode, 0, "SYS_CHROOT dropped");
    assert.notEqual((await stdout(sandbox, "mount -t tmpfs none /mnt")).exitCode, 0, "no SYS_ADMIN");
  });

  test("network none: only loopback; secondaries share the primary's namespace and answer to their name", async () => {
    const sandbox = await prepare({ secondaries: [{ image: JOB_IMAGE, name: "db", command: ["sleep", "infinity"] }] });
    assert.equal((await stdout(sandbox, "ls /sys/class/net")).out, "lo\n");
    assert.equal((await stdout(sandbox, "getent hosts db | cut -d' ' -f1")).out, "127.0.0.1\n");
    const primaryNs = (await stdout(sandbox, "readlink /proc/self/ns/net")).out;
    const secondaryNs = await execIn(sandbox.secondaryContainerIds[0] ?? "", ["readlink", "/proc/1/ns/net"]);
    assert.match(primaryNs, /^net:\[\d+\]\n$/);
    assert.equal(secondaryNs, primaryNs);
  });

  test("network job: a fresh labelled bridge for the primary, secondaries in its namespace (no traffic sent)", async () => {
    const sandbox = await prepare({ network: "job", secondaries: [{ image: JOB_IMAGE, command: ["sleep", "infinity"] }] });
    assert.ok(sandbox.networkId);
    const network = await docker.getNetwork(sandbox.networkId).inspect();
    assert.equal(network.Driver, "bridge");
    assert.equal(network.Labels?.["citadel.job"], sandbox.jobId);
    assert.equal(network.Labels?.["citadel.builder"], builderId);
    const primary = await docker.getContainer(sandbox.primaryContainerId).inspect();
    assertHardened(primary, network.Name);
    assert.deepEqual(Object.keys(primary.NetworkSettings.Networks), [network.Name]);
    const secondary = await docker.getContainer(sandbox.secondaryContainerIds[0] ?? "").inspect();
    assert.equal(secondary.HostConfig.NetworkMode, `container:${sandbox.primaryContainerId}`);
  });
});
