import Docker from "dockerode";
import { withTimeout } from "./timeout";
import { describeError, type PreflightResult } from "./types";

const TIMEOUT_MS = 2000;

/** Pings the Docker engine on the default socket (or DOCKER_HOST), giving up after 2 s. */
export async function pingDocker(): Promise<void> {
  const docker = new Docker({ timeout: TIMEOUT_MS });
  await withTimeout(docker.ping(), TIMEOUT_MS, `no answer within ${TIMEOUT_MS / 1000} s`);
}

/** Warn only: builds run on builder boxes, so the services box works without a local engine. */
export async function checkDocker(ping: () => Promise<unknown>): Promise<PreflightResult> {
  const base = { id: "docker", title: "Docker engine" };
  try {
    await ping();
    return { ...base, status: "pass", reason: "The Docker engine answers." };
  } catch (error) {
    return {
      ...base,
      status: "warn",
      reason: `No Docker engine answers here (${describeError(error)}). Builds run on builder boxes, so this only matters if this machine is to build too.`,
    };
  }
}
