export { DockerRuntime, type DockerRuntimeOptions } from "./docker-runtime";
export { DockerSandbox } from "./docker-sandbox";
export { JOB_CAPABILITIES, JOB_SECURITY_OPT } from "./hardening";
export { type ImageAliases, type ResolvedImage, resolveImage } from "./image-aliases";
export { LABEL_BUILDER, LABEL_JOB, LABEL_ROLE } from "./labels";
