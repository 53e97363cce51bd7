import { randomBytes } from "node:crypto";
import { after } from "node:test";
import Docker from "dockerode";
import { pino } from "pino";
import { DockerRuntime, type DockerRuntimeOptions } from "../src/runtime/docker/index";
import type { JobEnvironmentSpec } from "../src/runtime/types";

/** Built locally by installer/provision-test-host.sh; never pulled. */
export const JOB_IMAGE = process.env.CITADEL_JOB_IMAGE ?? "citadel/job-debian:bookworm";
export const docker = new Docker();
export const logger = pino({ level: process.env.CITADEL_TEST_LOG ?? "silent" });

export const resources = { cpus: 1, memoryBytes: 512 * 1024 * 1024, pidsLimit: 256 };

/** A builder id unique to this test file; everything labelled with it is removed when the file ends. */
export function testBuilderId(name: string): string {
  const id = `test-${name}-${randomBytes(4).toString("hex")}`;
  after(() => removeEverythingOf(id));
  return id;
}

export function runtime(builderId: string, options: Partial<DockerRuntimeOptions> = {}): DockerRuntime {
  return new DockerRuntime({ builderId, logger, docker, ...options });
}

let jobCounter = 0;
export function jobSpec(overrides: Partial<JobEnvironmentSpec> = {}): JobEnvironmentSpec {
  jobCounter++;
  return {
    jobId: `job-${jobCounter}-${randomBytes(3).toString("hex")}`,
    primary: { image: JOB_IMAGE },
    resources,
    network: "none",
    ...overrides,
  };
}

/** What the engine still holds with the given label, e.g. `citadel.job=…`. */
export async function labelled(label: string): Promise<{ containers: number; networks: number; volumes: number }> {
  const filters = JSON.stringify({ label: [label] });
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return { containers: containers.length, networks: networks.length, volumes: volumes.Volumes?.length ?? 0 };
}

/** Independent of the code under test: plain engine calls, so a broken destroy() still gets cleaned. */
async function removeEverythingOf(builderId: string): Promise<void> {
  const filters = JSON.stringify({ label: [`citadel.builder=${builderId}`] });
  for (const c of await docker.listContainers({ all: true, filters })) {
    await docker.getContainer(c.Id).remove({ force: true, v: true });
  }
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove();
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove();
}
