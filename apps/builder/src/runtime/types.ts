/**
 * The runtime interface: what the builder daemon needs from a place that runs jobs. Docker implements
 * it now (src/runtime/docker), LXC later. Nothing here knows about config.yml parsing: the daemon turns
 * a compiled job into a JobEnvironmentSpec.
 */

/** One container of a job: the primary (steps run in it) or a secondary (a service such as a database). */
export interface ContainerImageSpec {
  /** Image reference as written in the config; the runtime resolves aliases before use. */
  readonly image: string;
  /** Extra hostname under which the primary reaches this container (it is localhost anyway). */
  readonly name?: string;
  readonly environment?: Readonly<Record<string, string>>;
  /** Overrides the image's ENTRYPOINT. */
  readonly entrypoint?: readonly string[];
  /** Overrides the image's CMD. For the primary, the default is a keep-alive process. */
  readonly command?: readonly string[];
  /** User the container's processes (and, for the primary, the steps) run as by default. */
  readonly user?: string;
}

/** Limits applied to each container of the job (the resource class). */
export interface ResourceLimits {
  readonly cpus: number;
  readonly memoryBytes: number;
  readonly pidsLimit: number;
}

/**
 * `job`: a fresh bridge network for this job only; `none`: no network interface but loopback.
 * In both modes secondaries share the primary's network namespace, so they answer on localhost.
 */
export type JobNetworkMode = "job" | "none";

export interface JobEnvironmentSpec {
  /** Unique per job run; letters, digits, `_`, `.`, `-` (it becomes part of engine object names). */
  readonly jobId: string;
  readonly primary: ContainerImageSpec;
  readonly secondaries?: readonly ContainerImageSpec[];
  readonly resources: ResourceLimits;
  readonly network: JobNetworkMode;
  /** Extra labels for every engine object of the job; `citadel.*` keys are reserved. */
  readonly labels?: Readonly<Record<string, string>>;
}

export type OutputStream = "stdout" | "stderr";

/** CircleCI's default shell for `run` steps; used when ExecOptions.shell is not given. */
export const DEFAULT_SHELL: readonly string[] = ["/bin/bash", "-eo", "pipefail"];

export interface ExecOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** Created when missing; a leading `~` means the user's home, as in CircleCI. */
  readonly workingDirectory?: string;
  /** Shell argv; the command is written to a script file whose path is appended. */
  readonly shell?: readonly string[];
  /** Defaults to the primary container's user. */
  readonly user?: string;
  /** Output as it arrives, decoded as UTF-8 (a character split across chunks is kept whole). */
  readonly onOutput?: (stream: OutputStream, chunk: string) => void;
  /** Aborting stops the step's whole process group; the result then says `canceled`. */
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  /** Stops the step when it prints nothing on stdout or stderr for this long. */
  readonly noOutputTimeoutMs?: number;
}

export interface ExecResult {
  /** The step's exit code; null when it was stopped and the engine reported none. */
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  /** Which limit stopped the step when timedOut is true. */
  readonly timeoutKind?: "timeout" | "no_output_timeout";
  readonly canceled: boolean;
}

/** Everything one job created on the engine. */
export interface JobSandbox {
  readonly jobId: string;
  /** Runs one step in the primary container. Rejects only on infrastructure failure. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Extracts a tar stream at destPath in the primary container (created when missing; `~` = home). */
  copyIn(tar: NodeJS.ReadableStream, destPath: string): Promise<void>;
  /** The absolute path of `path` in the primary container (`~` = the user's home). */
  resolvePath(path: string): Promise<string>;
  /** Whether `path` exists in the primary container (the engine's stat; no tool in the image needed). */
  pathExists(path: string): Promise<boolean>;
  /** A tar stream of path in the primary container (`~` = home); SandboxPathNotFoundError when it does not exist. */
  copyOut(path: string): Promise<NodeJS.ReadableStream>;
  /** Removes every container, network and volume of the job, whatever state they are in. Idempotent. */
  destroy(): Promise<void>;
}

export interface ReapOptions {
  /** Jobs still running on this builder; their objects are kept. */
  readonly keepJobIds?: Iterable<string>;
}

export interface ReapReport {
  readonly containers: number;
  readonly networks: number;
  readonly volumes: number;
}

export interface JobRuntime {
  readonly kind: string;
  /** Creates and starts the job's containers; on failure removes what it created and rejects. */
  prepare(job: JobEnvironmentSpec): Promise<JobSandbox>;
  /** Removes what this builder left behind (a crash, a failed destroy), except jobs still running. */
  reapLeftovers(options?: ReapOptions): Promise<ReapReport>;
}
