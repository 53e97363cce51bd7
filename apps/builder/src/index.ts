export { type Capacity, type CapacityInput, computeCapacity } from "./capacity";
export { CapacityError, InfrastructureError, InvalidJobSpecError, SandboxPathNotFoundError } from "./errors";
export { readHostResources } from "./host-resources";
export { MASK, MIN_SECRET_LENGTH, SecretMasker, secretForms } from "./masking/index";
export * from "./runtime/docker/index";
export * from "./runtime/types";
