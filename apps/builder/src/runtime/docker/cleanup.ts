import type Docker from "dockerode";
import type { Logger } from "pino";
import { InfrastructureError } from "../../errors";
import type { ReapReport } from "../types";
import { engineMessage, engineStatus } from "./engine-errors";
import { LABEL_JOB, labelFilter } from "./labels";

export interface RemoveLabelledOptions {
  /** Objects must carry all of these labels to be removed. */
  readonly labels: Readonly<Record<string, string>>;
  /** Job ids whose objects stay (jobs still running). */
  readonly keepJobIds?: ReadonlySet<string>;
  readonly logger: Logger;
}

const NETWORK_REMOVE_ATTEMPTS = 5;

/**
 * Removes every container (with its anonymous volumes), then network, then volume carrying the labels.
 * Already-gone objects count as removed. Tries everything before failing; the error lists what is left.
 */
export async function removeLabelled(docker: Docker, options: RemoveLabelledOptions): Promise<ReapReport> {
  const filters = JSON.stringify(labelFilter(options.labels));
  const kept = (labels: Readonly<Record<string, string>> | undefined) => {
    const job = labels?.[LABEL_JOB];
    return job !== undefined && (options.keepJobIds?.has(job) ?? false);
  };
  const failures: string[] = [];
  const report = { containers: 0, networks: 0, volumes: 0 };

  const containers = (await docker.listContainers({ all: true, filters })).filter((c) => !kept(c.Labels));
  await Promise.all(
    containers.map(async (info) => {
      const failure = await removeOnce(() => docker.getContainer(info.Id).remove({ force: true, v: true }));
      if (failure === undefined) report.containers++;
      else failures.push(`container ${info.Id.slice(0, 12)}: ${failure}`);
    }),
  );

  const networks = (await docker.listNetworks({ filters })).filter((n) => !kept(n.Labels));
  for (const info of networks) {
    let failure: string | undefined;
    // A container being torn down can hold its endpoint for a moment after its removal returned.
    for (let attempt = 1; attempt <= NETWORK_REMOVE_ATTEMPTS; attempt++) {
      failure = await removeOnce(() => docker.getNetwork(info.Id).remove());
      if (failure === undefined) break;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
    if (failure === undefined) report.networks++;
    else failures.push(`network ${info.Name}: ${failure}`);
  }

  const volumes = ((await docker.listVolumes({ filters })).Volumes ?? []).filter((v) => !kept(v.Labels));
  for (const info of volumes) {
    const failure = await removeOnce(() => docker.getVolume(info.Name).remove());
    if (failure === undefined) report.volumes++;
    else failures.push(`volume ${info.Name}: ${failure}`);
  }

  if (failures.length > 0) {
    options.logger.warn({ failures }, "some job objects could not be removed");
    throw new InfrastructureError(`Could not remove everything of the job from the Docker engine: ${failures.join("; ")}`);
  }
  return report;
}

/** undefined when removed or already gone, else the engine's reason. */
async function removeOnce(remove: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await remove();
    return undefined;
  } catch (error) {
    // 404: already gone. 409 on a container: its removal is already in progress elsewhere.
    const status = engineStatus(error);
    if (status === 404) return undefined;
    return engineMessage(error);
  }
}
