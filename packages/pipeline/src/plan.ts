// The compiled plan: what the services store and the builder executes. Plain JSON-serializable data.

/** One container of a docker executor; the first is the primary container where steps run. */
export interface DockerImage {
  image: string;
  /** Hostname of a secondary container (`name:`). */
  name?: string;
  entrypoint?: string[];
  command?: string[];
  user?: string;
  environment: Record<string, string>;
  /** Registry credentials as written (values usually reference environment variables). */
  auth?: Record<string, string>;
  awsAuth?: Record<string, string>;
}

/** Fields every executor has, with CircleCI's defaults filled in. */
export interface ExecutorBase {
  /** `resource_class`; `medium` when not given. */
  resourceClass: string;
  /** `working_directory`; `~/project` when not given. */
  workingDirectory: string;
  /** Default shell for run steps; `/bin/bash -eo pipefail` when not given. */
  shell: string;
  /** Executor environment merged with the job's (the job's values win). */
  environment: Record<string, string>;
}

/** Containers; steps run in the first (primary) image, the others are services on localhost. */
export interface DockerExecutor extends ExecutorBase {
  type: "docker";
  images: DockerImage[];
}

/** A virtual machine; `image` is `default` for `machine: true`. */
export interface MachineExecutor extends ExecutorBase {
  type: "machine";
  image: string;
  dockerLayerCaching: boolean;
}

export interface MacosExecutor extends ExecutorBase {
  type: "macos";
  xcode: string;
}

/** Where a job's steps run. */
export type Executor = DockerExecutor | MachineExecutor | MacosExecutor;

/** When a step runs relative to earlier failures. */
export type StepWhen = "on_success" | "on_fail" | "always";

/** Every step has a display name (CircleCI's default when the config gives none). */
interface StepBase {
  name: string;
}

export interface CheckoutStep extends StepBase {
  type: "checkout";
  /** Where to check out; the working directory when absent. */
  path?: string;
}

export interface RunStep extends StepBase {
  type: "run";
  command: string;
  /** Overrides the executor's shell. */
  shell?: string;
  environment: Record<string, string>;
  workingDirectory?: string;
  /** Runs in the background; the job continues with the next step at once. */
  background: boolean;
  /** CircleCI duration text (`10m`, `30s`, `1h`); `10m` when not given. */
  noOutputTimeout: string;
  when: StepWhen;
  /** True for the deprecated `deploy` step (run semantics). */
  deploy: boolean;
  maxAutoReruns?: number;
  autoRerunDelay?: string;
}

/**
 * Cache keys and paths keep CircleCI templates (`{{ .Branch }}`, `{{ .Revision }}`,
 * `{{ checksum "file" }}`, `{{ .Environment.VAR }}`, `{{ epoch }}`, `{{ arch }}`) for the builder to
 * evaluate at run time.
 */
export interface SaveCacheStep extends StepBase {
  type: "save_cache";
  key: string;
  paths: string[];
  when: StepWhen;
}

/** Keys are tried in order; each is a prefix match as in CircleCI. Templates are kept. */
export interface RestoreCacheStep extends StepBase {
  type: "restore_cache";
  keys: string[];
}

export interface StoreArtifactsStep extends StepBase {
  type: "store_artifacts";
  path: string;
  destination?: string;
}

export interface StoreTestResultsStep extends StepBase {
  type: "store_test_results";
  path: string;
}

export interface PersistToWorkspaceStep extends StepBase {
  type: "persist_to_workspace";
  root: string;
  paths: string[];
}

export interface AttachWorkspaceStep extends StepBase {
  type: "attach_workspace";
  at: string;
}

/** No fingerprints: all keys configured for the project. */
export interface AddSshKeysStep extends StepBase {
  type: "add_ssh_keys";
  fingerprints: string[];
}

/** Parsed for compatibility; Citadel provides no remote Docker engines, so the builder must refuse it. */
export interface SetupRemoteDockerStep extends StepBase {
  type: "setup_remote_docker";
  version?: string;
  dockerLayerCaching: boolean;
  supported: false;
}

/** A normalized built-in step (commands, parameters and when/unless are already expanded). */
export type PlannedStep =
  | CheckoutStep
  | RunStep
  | SaveCacheStep
  | RestoreCacheStep
  | StoreArtifactsStep
  | StoreTestResultsStep
  | PersistToWorkspaceStep
  | AttachWorkspaceStep
  | AddSshKeysStep
  | SetupRemoteDockerStep;

export type RequiredJobStatus = "success" | "failed" | "canceled" | "not_run" | "terminal";

/** One job of a workflow, fully resolved. */
export interface PlannedJob {
  /** Name unique within the workflow (after name overrides and matrix expansion). */
  name: string;
  /** The job definition it runs (`test` for matrix job `test-18-linux`, `node/test` for an orb job); approvals: their name. */
  definition: string;
  type: "build" | "approval";
  /** Names of jobs in the same workflow that must finish first. */
  requires: string[];
  /**
   * For each required job, the outcomes that let this job start: `["success"]` unless the config
   * says otherwise (`failed`, `canceled`, `not_run`, or `terminal` for any final state).
   */
  requiredStatus: Record<string, RequiredJobStatus[]>;
  /** Contexts whose secrets the job receives. */
  context: string[];
  /** `serial-group`: jobs with the same group (across pipelines of the project) run one at a time. */
  serialGroup?: string;
  /** Whether the job's branch/tag filters admit this pipeline's branch or tag. */
  filtersAdmit: boolean;
  /**
   * Whether the job is part of this pipeline: its workflow runs, its filters admit it, and every
   * job it requires runs (or is required with `not_run`/`terminal`).
   */
  runs: boolean;
  /** Undefined for approval jobs. */
  executor?: Executor;
  /** `parallelism`; 1 when not given. */
  parallelism: number;
  /** Built-in steps in order, pre-steps and post-steps included. Empty for approval jobs. */
  steps: PlannedStep[];
  /** Features the job uses that Citadel cannot run (e.g. `setup_remote_docker`). */
  unsupported: string[];
}

export interface PlannedSchedule {
  cron: string;
  branches: { only?: string[]; ignore?: string[] };
}

export interface PlannedWorkflow {
  name: string;
  /** Whether the workflow runs for this pipeline: its when/unless hold and the trigger matches. */
  runs: boolean;
  /** 2.0 schedule triggers; a workflow with schedules runs only on schedule. */
  schedules: PlannedSchedule[];
  jobs: PlannedJob[];
}

/** The plan for one pipeline: every workflow of the config, evaluated for the given inputs. */
export interface CompiledPipeline {
  /** Config version as written. */
  version: "2" | "2.1";
  /**
   * `setup: true` (CircleCI dynamic configuration): its workflows run normally, but continuing with a
   * generated config is not supported by Citadel.
   */
  setup: boolean;
  /** Inputs the plan was compiled for. */
  trigger: { event: "push" | "schedule"; branch?: string; tag?: string; revision?: string; number: number };
  /** Pipeline parameter values in effect (defaults filled in). */
  parameters: Record<string, unknown>;
  workflows: PlannedWorkflow[];
}
