// Processed (2.0-form) executor fields and steps → the plan's typed Executor and PlannedStep.
import type { ExecutorFields } from "./executors";
import type { DockerImage, Executor, PlannedStep, StepWhen } from "./plan";
import type { StepSpec } from "./steps";
import { isYamlMap, type YamlMap } from "./values";

const DEFAULT_NAMES: Record<string, string> = {
  checkout: "Checkout code",
  save_cache: "Saving cache",
  restore_cache: "Restoring cache",
  store_artifacts: "Uploading artifacts",
  store_test_results: "Uploading test results",
  persist_to_workspace: "Persisting to workspace",
  attach_workspace: "Attaching workspace",
  add_ssh_keys: "Adding SSH keys",
  setup_remote_docker: "Setup a remote Docker engine",
};

function text(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}

function strings(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isYamlMap(value)) for (const [k, v] of Object.entries(value)) out[k] = v === null || v === undefined ? "" : String(v);
  return out;
}

function whenOf(args: YamlMap): StepWhen {
  const w = args.when;
  return w === "on_fail" || w === "always" ? w : "on_success";
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

export function plannedStep(step: StepSpec): PlannedStep {
  const { kind, args } = step;
  const name = text(args.name) ?? DEFAULT_NAMES[kind] ?? kind;
  switch (kind) {
    case "checkout":
      return { type: "checkout", name, ...optional("path", text(args.path)) };
    case "run":
    case "deploy": {
      const command = text(args.command) ?? "";
      const firstLine = command.split("\n").find((l) => l.trim() !== "") ?? command;
      return {
        type: "run",
        name: text(args.name) ?? firstLine.trim(),
        command,
        ...optional("shell", text(args.shell)),
        environment: stringMap(args.environment),
        ...optional("workingDirectory", text(args.working_directory)),
        background: args.background === true,
        noOutputTimeout: text(args.no_output_timeout) ?? "10m",
        when: whenOf(args),
        deploy: kind === "deploy",
        ...(Number.isInteger(args.max_auto_reruns) ? { maxAutoReruns: args.max_auto_reruns as number } : {}),
        ...optional("autoRerunDelay", text(args.auto_rerun_delay)),
      };
    }
    case "save_cache":
      return { type: "save_cache", name, key: text(args.key) ?? "", paths: strings(args.paths), when: whenOf(args) };
    case "restore_cache":
      return { type: "restore_cache", name, keys: [...strings(args.key), ...strings(args.keys)] };
    case "store_artifacts":
      return { type: "store_artifacts", name, path: text(args.path) ?? "", ...optional("destination", text(args.destination)) };
    case "store_test_results":
      return { type: "store_test_results", name, path: text(args.path) ?? "" };
    case "persist_to_workspace":
      return { type: "persist_to_workspace", name, root: text(args.root) ?? "", paths: strings(args.paths) };
    case "attach_workspace":
      return { type: "attach_workspace", name, at: text(args.at) ?? "" };
    case "add_ssh_keys":
      return { type: "add_ssh_keys", name, fingerprints: strings(args.fingerprints) };
    case "setup_remote_docker":
      return {
        type: "setup_remote_docker",
        name,
        ...optional("version", text(args.version)),
        dockerLayerCaching: args.docker_layer_caching === true,
        supported: false,
      };
  }
}

function dockerImage(raw: YamlMap): DockerImage {
  const image: DockerImage = { image: text(raw.image) ?? "", environment: stringMap(raw.environment) };
  if (raw.name !== undefined) image.name = String(raw.name);
  if (raw.entrypoint !== undefined) image.entrypoint = strings(raw.entrypoint);
  if (raw.command !== undefined) image.command = strings(raw.command);
  if (raw.user !== undefined) image.user = String(raw.user);
  if (raw.auth !== undefined) image.auth = stringMap(raw.auth);
  if (raw.aws_auth !== undefined) image.awsAuth = stringMap(raw.aws_auth);
  return image;
}

/** Resolves executor fields with CircleCI's defaults filled in. */
export function plannedExecutor(fields: ExecutorFields): Executor {
  const common = {
    resourceClass: fields.resource_class ?? "medium",
    workingDirectory: fields.working_directory ?? "~/project",
    shell: fields.shell ?? "/bin/bash -eo pipefail",
    environment: { ...fields.environment },
  };
  if (fields.docker) return { type: "docker", images: fields.docker.map(dockerImage), ...common };
  if (fields.macos) return { type: "macos", xcode: text(fields.macos.xcode) ?? "", ...common };
  const machine = isYamlMap(fields.machine) ? fields.machine : {};
  return {
    type: "machine",
    image: text(machine.image) ?? "default",
    dockerLayerCaching: machine.docker_layer_caching === true,
    ...common,
  };
}
