import type { ResourceLimits } from "../runtime/types";

const GIB = 1024 ** 3;

/** CircleCI's Docker resource classes (CPUs, memory). */
const RESOURCE_CLASSES: Record<string, { cpus: number; memoryGib: number }> = {
  small: { cpus: 1, memoryGib: 2 },
  medium: { cpus: 2, memoryGib: 4 },
  "medium+": { cpus: 3, memoryGib: 6 },
  large: { cpus: 4, memoryGib: 8 },
  xlarge: { cpus: 8, memoryGib: 16 },
  "2xlarge": { cpus: 16, memoryGib: 32 },
};

/**
 * Limits for a job's containers: its resource class, but never more than a slot of this builder
 * (a box sized for medium jobs does not hand out xlarge ones).
 */
export function limitsFor(resourceClass: string, slot: { cpus: number; memoryBytes: number }): ResourceLimits {
  const wanted = RESOURCE_CLASSES[resourceClass] ?? RESOURCE_CLASSES.medium ?? { cpus: 2, memoryGib: 4 };
  return {
    cpus: Math.min(wanted.cpus, slot.cpus),
    memoryBytes: Math.min(wanted.memoryGib * GIB, slot.memoryBytes),
    pidsLimit: 4096,
  };
}

/** CircleCI durations (`10m`, `30s`, `1h`, `2h30m`) in milliseconds; null when unreadable. */
export function durationMs(text: string): number | null {
  const parts = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!parts || text.trim() === "") return null;
  const [, h, m, s] = parts;
  return ((Number(h ?? 0) * 60 + Number(m ?? 0)) * 60 + Number(s ?? 0)) * 1000;
}
