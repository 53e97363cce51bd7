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

interface ExecutorCommon {
  /** `resource_class`; `medium` when not given. */
  resourceClass: string;
  /** `working_directory`; `~/project` when not given. */
  workingDirectory: string;
  /** Default shell for run steps; `/bin/bash -eo pipefail` when not given. */
  shell: string;
  /** Executor environment merged with the job's (the job's values win). */
  environment: Record<string, string>;
}

/** Where a job's steps run. */
export type Executor =
  | (ExecutorCommon & { type: "docker"; images: DockerImage[] })
  | (ExecutorCommon & { type: "machine"; image: string; dockerLayerCaching: boolean })
  | (ExecutorCommon & { type: "macos"; xcode: string });

/** When a step runs relative to earlier failures. */
export type StepWhen = "on_success" | "on_fail" | "always";

/**
 * A normalized built-in step. Cache keys and paths keep CircleCI templates (`{{ .Branch }}`,
 * `{{ checksum "file" }}`, `{{ .Environment.VAR }}`, `{{ epoch }}`, `{{ arch }}`, `{{ .Revision }}`)
 * for the builder to evaluate at run time.
 */
export type PlannedStep =
  | { type: "checkout"; name: string; path?: string }
  | {
      type: "run";
      name: string;
      command: string;
      /** Overrides the executor's shell. */
      shell?: string;
      environment: Record<string, string>;
      workingDirectory?: string;
      background: boolean;
      /** CircleCI duration text (`10m`, `30s`); the default is `10m`. */
      noOutputTimeout: string;
      when: StepWhen;
      /** True for the deprecated `deploy` step (run semantics). */
      deploy: boolean;
    }
  | { type: "save_cache"; name: string; key: string; paths: string[]; when: StepWhen }
  | { type: "restore_cache"; name: string; keys: string[] }
  | { type: "store_artifacts"; name: string; path: string; destination?: string }
  | { type: "store_test_results"; name: string; path: string }
  | { type: "persist_to_workspace"; name: string; root: string; paths: string[] }
  | { type: "attach_workspace"; name: string; at: string }
  | { type: "add_ssh_keys"; name: string; fingerprints: string[] }
  | {
      type: "setup_remote_docker";
      name: string;
      version?: string;
      dockerLayerCaching: boolean;
      /** Citadel does not provide remote Docker engines; the builder must refuse or skip this step. */
      supported: false;
    };

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
  /** Inputs the plan was compiled for. */
  trigger: { event: "push" | "schedule"; branch?: string; tag?: string; revision?: string; number: number };
  /** Pipeline parameter values in effect (defaults filled in). */
  parameters: Record<string, unknown>;
  workflows: PlannedWorkflow[];
}
