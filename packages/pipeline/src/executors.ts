// Executor bodies (docker, machine, macos + resource_class, working_directory, shell, environment).
import { child, type ErrorSink } from "./errors";
import { checkKeys, describe, environment, expectList, expectMap, isYamlMap, type YamlMap } from "./values";

/** Executor fields in 2.0 form, as a processed job carries them. */
export interface ExecutorFields {
  docker?: YamlMap[];
  machine?: YamlMap | true;
  macos?: YamlMap;
  resource_class?: string;
  working_directory?: string;
  shell?: string;
  environment?: Record<string, string>;
}

export const EXECUTOR_KINDS = ["docker", "machine", "macos"] as const;
export const EXECUTOR_COMMON = ["resource_class", "working_directory", "shell", "environment"] as const;
const IMAGE_KEYS = ["image", "name", "entrypoint", "command", "user", "environment", "auth", "aws_auth"];

function dockerImages(sink: ErrorSink, path: string, raw: unknown): YamlMap[] | undefined {
  const list = expectList(sink, path, raw, "docker");
  if (!list) return undefined;
  if (list.length === 0) sink.add(path, "docker needs at least one image");
  const images: YamlMap[] = [];
  list.forEach((entry, index) => {
    const at = child(path, index);
    const image = expectMap(sink, at, entry, "a docker image");
    if (!image) return;
    checkKeys(sink, at, image, IMAGE_KEYS, "a docker image");
    if (typeof image.image !== "string" || image.image === "") sink.add(at, "image is required");
    for (const key of ["entrypoint", "command"]) {
      const v = image[key];
      if (v !== undefined && typeof v !== "string" && !Array.isArray(v))
        sink.add(child(at, key), `${key} must be a string or a list, but it is ${describe(v)}`);
    }
    if (image.user !== undefined && typeof image.user !== "string")
      sink.add(child(at, "user"), `user must be a string, but it is ${describe(image.user)}`);
    for (const key of ["auth", "aws_auth"]) {
      if (image[key] !== undefined) expectMap(sink, child(at, key), image[key], key);
    }
    const out: YamlMap = { ...image };
    if (image.environment !== undefined) out.environment = environment(sink, child(at, "environment"), image.environment);
    images.push(out);
  });
  return images;
}

/** Validates and extracts executor fields from a job or executor body (other keys are ignored here). */
export function executorFields(sink: ErrorSink, path: string, body: YamlMap, requireKind: boolean): ExecutorFields {
  const out: ExecutorFields = {};
  const kinds = EXECUTOR_KINDS.filter((k) => body[k] !== undefined);
  if (kinds.length > 1) sink.add(path, `only one of docker, machine, macos may be given, but found ${kinds.join(" and ")}`);
  if (kinds.length === 0 && requireKind) sink.add(path, "an executor is required: give docker, machine, macos or executor");
  if (body.docker !== undefined) out.docker = dockerImages(sink, child(path, "docker"), body.docker);
  if (body.machine !== undefined) {
    const at = child(path, "machine");
    if (body.machine === true) out.machine = true;
    else if (isYamlMap(body.machine)) {
      checkKeys(sink, at, body.machine, ["image", "docker_layer_caching", "resource_class", "enabled"], "machine");
      out.machine = { ...body.machine };
    } else sink.add(at, `machine must be true or a map, but it is ${describe(body.machine)}`);
  }
  if (body.macos !== undefined) {
    const macos = expectMap(sink, child(path, "macos"), body.macos, "macos");
    if (macos) {
      checkKeys(sink, child(path, "macos"), macos, ["xcode"], "macos");
      if (macos.xcode === undefined) sink.add(child(path, "macos"), "xcode is required");
      out.macos = { ...macos, ...(typeof macos.xcode === "number" ? { xcode: String(macos.xcode) } : {}) };
    }
  }
  for (const key of ["resource_class", "working_directory", "shell"] as const) {
    const v = body[key];
    if (v === undefined) continue;
    if (typeof v === "string") out[key] = v;
    else sink.add(child(path, key), `${key} must be a string, but it is ${describe(v)}`);
  }
  if (body.environment !== undefined) out.environment = environment(sink, child(path, "environment"), body.environment);
  return out;
}

/** Job fields override executor fields; environments merge with the job's values winning. */
export function mergeExecutor(base: ExecutorFields, job: ExecutorFields): ExecutorFields {
  const merged: ExecutorFields = { ...base };
  for (const key of ["docker", "machine", "macos", "resource_class", "working_directory", "shell"] as const) {
    if (job[key] !== undefined) Object.assign(merged, { [key]: job[key] });
  }
  if (base.environment || job.environment) merged.environment = { ...base.environment, ...job.environment };
  return merged;
}
