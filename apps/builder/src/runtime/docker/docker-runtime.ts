import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import type { Logger } from "pino";
import { InvalidJobSpecError } from "../../errors";
import type { ContainerImageSpec, JobEnvironmentSpec, JobRuntime, ReapOptions, ReapReport } from "../types";
import { removeLabelled } from "./cleanup";
import { DockerSandbox } from "./docker-sandbox";
import { engineFailure } from "./engine-errors";
import { hardenedHostConfig } from "./hardening";
import { type ImageAliases, resolveImage } from "./image-aliases";
import { requireLocalImage } from "./images";
import { type ContainerRole, jobLabels, LABEL_BUILDER, LABEL_ROLE } from "./labels";

export interface DockerRuntimeOptions {
  /** This builder's stable id: every object it creates carries it, and the reaper looks for it. */
  readonly builderId: string;
  readonly logger: Logger;
  /** Defaults to the local engine (DOCKER_HOST or /var/run/docker.sock). */
  readonly docker?: Docker;
  readonly imageAliases?: ImageAliases;
  /** Run docker-init as PID 1 of each container (default true). */
  readonly init?: boolean;
}

/** Keeps the primary alive while steps are exec'd into it; any POSIX sh and sleep will do. */
const KEEP_ALIVE = ["/bin/sh", "-c", "while :; do sleep 86400; done"];
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const SAFE_HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** One fresh container per job (plus its secondaries), hardened, labelled, and removed afterwards. */
export class DockerRuntime implements JobRuntime {
  readonly kind = "docker";
  private readonly docker: Docker;
  private readonly logger: Logger;

  constructor(private readonly options: DockerRuntimeOptions) {
    if (!SAFE_ID.test(options.builderId)) throw new InvalidJobSpecError(`Invalid builder id "${options.builderId}"`);
    this.docker = options.docker ?? new Docker();
    this.logger = options.logger.child({ runtime: "docker" });
  }

  async prepare(job: JobEnvironmentSpec): Promise<DockerSandbox> {
    validate(job);
    const logger = this.logger.child({ jobId: job.jobId });
    const secondaries = job.secondaries ?? [];
    const images = [job.primary, ...secondaries].map((spec) => resolveImage(spec.image, this.options.imageAliases));
    for (const image of images) await requireLocalImage(this.docker, image);

    const labels = jobLabels(this.options.builderId, job.jobId, job.labels);
    const baseName = `citadel-${job.jobId}-${randomBytes(3).toString("hex")}`;
    const init = this.options.init ?? true;
    try {
      let networkId: string | undefined;
      let primaryNetworkMode = "none";
      if (job.network === "job") {
        const network = await this.docker.createNetwork({
          Name: baseName,
          Driver: "bridge",
          CheckDuplicate: true,
          Labels: labels,
        });
        networkId = network.id;
        primaryNetworkMode = baseName;
      }
      const extraHosts = secondaries.flatMap((spec) => (spec.name === undefined ? [] : [`${spec.name}:127.0.0.1`]));
      const primary = await this.docker.createContainer({
        name: `${baseName}-primary`,
        ...containerConfig(job.primary, images[0]?.image ?? job.primary.image, labels, "primary"),
        // Steps run through exec: unless the job says otherwise, the image's entrypoint and command are replaced.
        ...(job.primary.entrypoint === undefined && job.primary.command === undefined ? { Entrypoint: KEEP_ALIVE } : {}),
        HostConfig: hardenedHostConfig(job.resources, primaryNetworkMode, { init, extraHosts }),
      });
      await primary.start();

      const secondaryIds: string[] = [];
      for (const [index, spec] of secondaries.entries()) {
        const container = await this.docker.createContainer({
          name: `${baseName}-${index + 1}`,
          ...containerConfig(spec, images[index + 1]?.image ?? spec.image, labels, "secondary"),
          // The primary's network namespace: the secondary answers on the primary's localhost.
          HostConfig: hardenedHostConfig(job.resources, `container:${primary.id}`, { init }),
        });
        secondaryIds.push(container.id);
        await container.start();
      }
      logger.info(
        { primary: primary.id.slice(0, 12), secondaries: secondaryIds.length, network: job.network },
        "job sandbox ready",
      );
      return new DockerSandbox({
        docker: this.docker,
        builderId: this.options.builderId,
        jobId: job.jobId,
        primaryContainerId: primary.id,
        secondaryContainerIds: secondaryIds,
        ...(networkId === undefined ? {} : { networkId }),
        logger,
      });
    } catch (error) {
      await removeLabelled(this.docker, { labels: jobLabels(this.options.builderId, job.jobId), logger }).catch(
        (cleanupError: unknown) =>
          logger.error({ err: cleanupError }, "could not clean up after a failed job start; the reaper will retry"),
      );
      throw engineFailure("starting the job's containers", error);
    }
  }

  async reapLeftovers(options: ReapOptions = {}): Promise<ReapReport> {
    const report = await removeLabelled(this.docker, {
      labels: { [LABEL_BUILDER]: this.options.builderId },
      keepJobIds: new Set(options.keepJobIds ?? []),
      logger: this.logger,
    });
    if (report.containers + report.networks + report.volumes > 0) this.logger.info(report, "removed leftovers of earlier jobs");
    return report;
  }
}

function containerConfig(
  spec: ContainerImageSpec,
  image: string,
  labels: Readonly<Record<string, string>>,
  role: ContainerRole,
): Docker.ContainerCreateOptions {
  return {
    Image: image,
    Labels: { ...labels, [LABEL_ROLE]: role },
    Env: Object.entries(spec.environment ?? {}).map(([key, value]) => `${key}=${value}`),
    ...(spec.entrypoint === undefined ? {} : { Entrypoint: [...spec.entrypoint] }),
    ...(spec.command === undefined ? {} : { Cmd: [...spec.command] }),
    ...(spec.user === undefined ? {} : { User: spec.user }),
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
  };
}

function validate(job: JobEnvironmentSpec): void {
  if (!SAFE_ID.test(job.jobId)) {
    throw new InvalidJobSpecError(`Invalid job id "${job.jobId}": use letters, digits, "_", "." and "-" (at most 128)`);
  }
  for (const key of Object.keys(job.labels ?? {})) {
    if (key.startsWith("citadel.")) throw new InvalidJobSpecError(`Label "${key}" is reserved for the builder`);
  }
  for (const spec of job.secondaries ?? []) {
    if (spec.name !== undefined && !SAFE_HOSTNAME.test(spec.name)) {
      throw new InvalidJobSpecError(`Secondary container name "${spec.name}" is not a valid hostname`);
    }
  }
  const { cpus, memoryBytes, pidsLimit } = job.resources;
  if (!(cpus > 0) || !(memoryBytes >= 6 * 1024 * 1024) || !Number.isInteger(pidsLimit) || pidsLimit < 1) {
    throw new InvalidJobSpecError("Resource limits need cpus > 0, memory of at least 6 MiB and a pids limit of at least 1");
  }
}
