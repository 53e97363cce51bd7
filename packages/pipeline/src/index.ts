// @citadel/pipeline: CircleCI 2.0/2.1 config processing — parse with positions, validate, expand, plan.
// Pure: no I/O. Registry orbs come from an injected OrbResolver.
import { type ExpandOptions, expandConfig } from "./config";
import { emitProcessed } from "./emit";
import type { ConfigError, Result } from "./errors";
import type { OrbResolver } from "./orbs";

export { type CompileOptions, compile, pipelineValues, planPipeline } from "./compile";
export type { ExpandOptions, ProcessedConfig, ProcessedWorkflow, ProcessedWorkflowJob } from "./config";
export { expandConfig } from "./config";
export { type ConfigError, formatConfigError, type Result } from "./errors";
export type { ProcessedJob } from "./expand";
export type { JobFilters, RefFilter } from "./filters";
export { LIMITS } from "./limits";
export type { OrbReference, OrbResolver } from "./orbs";
export type {
  AddSshKeysStep,
  AttachWorkspaceStep,
  CheckoutStep,
  CompiledPipeline,
  DockerExecutor,
  DockerImage,
  Executor,
  ExecutorBase,
  MachineExecutor,
  MacosExecutor,
  PersistToWorkspaceStep,
  PlannedJob,
  PlannedSchedule,
  PlannedStep,
  PlannedWorkflow,
  RequiredJobStatus,
  RestoreCacheStep,
  RunStep,
  SaveCacheStep,
  SetupRemoteDockerStep,
  StepWhen,
  StoreArtifactsStep,
  StoreTestResultsStep,
} from "./plan";

export interface ProcessOptions {
  /** Pipeline parameter values; defaults fill the rest. */
  pipelineParameters?: Record<string, unknown>;
  /** Pipeline values by full name (`pipeline.git.branch`); absent ones stay as `<< ... >>` text. */
  pipelineValues?: Record<string, unknown>;
  orbResolver?: OrbResolver;
}

function expandOptions(options: ProcessOptions): ExpandOptions {
  const out: ExpandOptions = {};
  if (options.pipelineParameters) out.pipelineParameters = options.pipelineParameters;
  if (options.pipelineValues) out.pipelineValues = options.pipelineValues;
  if (options.orbResolver) out.orbResolver = options.orbResolver;
  return out;
}

/** The expanded 2.0-style YAML, as `circleci config process` prints it. */
export function processConfig(source: string, options: ProcessOptions = {}): Result<string> {
  const expanded = expandConfig(source, expandOptions(options));
  return expanded.ok ? { ok: true, value: emitProcessed(expanded.value) } : expanded;
}

/** Every problem in the config (empty when valid), each with path, line, column and a sentence. */
export function validateConfig(source: string, options: ProcessOptions = {}): ConfigError[] {
  const expanded = expandConfig(source, expandOptions(options));
  return expanded.ok ? [] : expanded.errors;
}
