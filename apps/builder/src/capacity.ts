import { CapacityError } from "./errors";

const GIB = 1024 ** 3;

/** What the box keeps for itself (OS, Docker engine, the builder daemon), as CircleCI Enterprise builders do. */
export const RESERVED_CPUS = 2;
export const RESERVED_MEMORY_BYTES = 4 * GIB;
export const DEFAULT_CONTAINER_CPUS = 2;
export const DEFAULT_CONTAINER_MEMORY_BYTES = 4 * GIB;

export interface CapacityInput {
  /** Logical CPUs of the box. */
  readonly cpus: number;
  readonly memoryBytes: number;
  readonly containerCpus?: number;
  readonly containerMemoryBytes?: number;
  /** `--slots N` / CITADEL_BUILDER_SLOTS: replaces the computed count (the caller logs it). */
  readonly slotsOverride?: number;
}

export interface Capacity {
  readonly slots: number;
  /** True when slots came from slotsOverride rather than from the box's size. */
  readonly override: boolean;
  /** The count the box's size gives (0 when too small); reported next to an override. */
  readonly computedSlots: number;
  readonly containerCpus: number;
  readonly containerMemoryBytes: number;
}

/**
 * Job slots = min(floor((cpus − 2) / containerCpus), floor((memory − 4 GiB) / containerMemory)).
 * Throws CapacityError, saying why, when that is below one and no override is given.
 */
export function computeCapacity(input: CapacityInput): Capacity {
  const containerCpus = input.containerCpus ?? DEFAULT_CONTAINER_CPUS;
  const containerMemoryBytes = input.containerMemoryBytes ?? DEFAULT_CONTAINER_MEMORY_BYTES;
  requirePositive("the box's CPU count", input.cpus);
  requirePositive("the box's memory", input.memoryBytes);
  requirePositive("containerCpus", containerCpus);
  requirePositive("containerMemory", containerMemoryBytes);

  // The epsilon keeps 2.3 − 2 = 0.2999… from flooring 0.3 / 0.1 to 2.
  const byCpu = Math.max(0, Math.floor((input.cpus - RESERVED_CPUS) / containerCpus + 1e-9));
  const byMemory = Math.max(0, Math.floor((input.memoryBytes - RESERVED_MEMORY_BYTES) / containerMemoryBytes));
  const computedSlots = Math.min(byCpu, byMemory);
  const sizes = { containerCpus, containerMemoryBytes, computedSlots };

  if (input.slotsOverride !== undefined) {
    if (!Number.isInteger(input.slotsOverride) || input.slotsOverride < 1) {
      throw new CapacityError(`The slots override must be a whole number of at least 1, got ${input.slotsOverride}`);
    }
    return { slots: input.slotsOverride, override: true, ...sizes };
  }
  if (computedSlots < 1) {
    const cpuWhy =
      byCpu < 1 ? `${formatCpus(input.cpus)} CPUs − ${RESERVED_CPUS} reserved < ${formatCpus(containerCpus)} per container` : "";
    const memWhy =
      byMemory < 1
        ? `${formatGib(input.memoryBytes)} memory − ${formatGib(RESERVED_MEMORY_BYTES)} reserved < ${formatGib(containerMemoryBytes)} per container`
        : "";
    throw new CapacityError(
      `This box is too small for one job container: ${[cpuWhy, memWhy].filter(Boolean).join("; ")}. ` +
        "Use a larger box, smaller containers (containerCpus / containerMemory), or force a count with --slots N.",
    );
  }
  return { slots: computedSlots, override: false, ...sizes };
}

function requirePositive(what: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) throw new CapacityError(`${what} must be a positive number, got ${value}`);
}

function formatCpus(cpus: number): string {
  return String(Math.round(cpus * 100) / 100);
}

function formatGib(bytes: number): string {
  return `${Math.round((bytes / GIB) * 100) / 100} GiB`;
}
