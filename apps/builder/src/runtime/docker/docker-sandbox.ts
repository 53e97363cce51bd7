import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import type Docker from "dockerode";
import type { Logger } from "pino";
import { InfrastructureError, SandboxPathNotFoundError } from "../../errors";
import type { ExecOptions, ExecResult, JobSandbox } from "../types";
import { removeLabelled } from "./cleanup";
import { containerPath } from "./container-paths";
import { engineFailure, isNotFound } from "./engine-errors";
import { jobLabels } from "./labels";
import { runStep } from "./step-exec";

export interface DockerSandboxInit {
  readonly docker: Docker;
  readonly builderId: string;
  readonly jobId: string;
  readonly primaryContainerId: string;
  readonly secondaryContainerIds: readonly string[];
  readonly networkId?: string;
  readonly logger: Logger;
}

/** A job's containers on the Docker engine; steps run in the primary. */
export class DockerSandbox implements JobSandbox {
  readonly jobId: string;
  readonly primaryContainerId: string;
  readonly secondaryContainerIds: readonly string[];
  readonly networkId: string | undefined;
  private readonly primary: Docker.Container;
  private destroying: Promise<void> | undefined;

  constructor(private readonly init: DockerSandboxInit) {
    this.jobId = init.jobId;
    this.primaryContainerId = init.primaryContainerId;
    this.secondaryContainerIds = init.secondaryContainerIds;
    this.networkId = init.networkId;
    this.primary = init.docker.getContainer(init.primaryContainerId);
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return runStep(this.primary, command, options, this.init.logger);
  }

  async copyIn(tar: NodeJS.ReadableStream, destPath: string): Promise<void> {
    // Through a PassThrough: a child process's stdout (a socket) handed straight to dockerode uploads
    // nothing, while a plain stream works. A failing source (a download cut off) aborts the upload.
    const body = new PassThrough();
    const sourceFailed = new AbortController();
    pipeline(tar, body).catch((error: unknown) => sourceFailed.abort(error));
    try {
      const path = await containerPath(this.primary, destPath, true);
      await this.primary.putArchive(body, { path, abortSignal: sourceFailed.signal });
    } catch (error) {
      body.destroy();
      if (sourceFailed.signal.aborted) {
        throw new InfrastructureError(`copying files into ${destPath} failed: ${(sourceFailed.signal.reason as Error).message}`);
      }
      throw engineFailure(`copying files into ${destPath}`, error);
    }
  }

  resolvePath(path: string): Promise<string> {
    return containerPath(this.primary, path, false);
  }

  async pathExists(path: string): Promise<boolean> {
    const absolute = await containerPath(this.primary, path, false);
    try {
      await this.primary.infoArchive({ path: absolute });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw engineFailure(`looking for ${path} in the job's container`, error);
    }
  }

  async copyOut(path: string): Promise<NodeJS.ReadableStream> {
    const absolute = await containerPath(this.primary, path, false);
    try {
      return await this.primary.getArchive({ path: absolute });
    } catch (error) {
      if (isNotFound(error)) throw new SandboxPathNotFoundError(path);
      throw engineFailure(`copying ${path} out of the job's container`, error);
    }
  }

  /** Concurrent calls share one removal; after a failure the next call tries again. */
  destroy(): Promise<void> {
    this.destroying ??= removeLabelled(this.init.docker, {
      labels: jobLabels(this.init.builderId, this.jobId),
      logger: this.init.logger,
    }).then(
      (report) => {
        this.init.logger.debug(report, "job sandbox removed");
      },
      (error: unknown) => {
        this.destroying = undefined;
        throw error;
      },
    );
    return this.destroying;
  }
}
