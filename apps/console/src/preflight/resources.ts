import { statfs } from "node:fs/promises";
import { dirname } from "node:path";
import { formatGiB, GIB, type PreflightResult } from "./types";

export const MIN_CPUS = 2;
export const MIN_MEMORY_BYTES = 4 * GIB;
/**
 * A machine sold as 4 GiB reports a little less (the kernel and firmware reserve some: typically 3.7–3.9 GiB),
 * so memory passes from 90% of the minimum; below that it is a smaller machine.
 */
export const MEMORY_TOLERANCE = 0.9;
export const DISK_FAIL_BYTES = 2 * GIB;
export const DISK_WARN_BYTES = 20 * GIB;

export function checkCpus(count: number): PreflightResult {
  const base = { id: "cpu", title: "CPUs" };
  if (count >= MIN_CPUS) return { ...base, status: "pass", reason: `${count} CPUs available (at least ${MIN_CPUS} needed).` };
  return { ...base, status: "fail", reason: `Only ${count} CPU available; Citadel needs at least ${MIN_CPUS}.` };
}

export function checkMemory(totalBytes: number): PreflightResult {
  const base = { id: "memory", title: "Memory" };
  const have = formatGiB(totalBytes);
  if (totalBytes >= MIN_MEMORY_BYTES * MEMORY_TOLERANCE) {
    return { ...base, status: "pass", reason: `${have} of memory (at least ${formatGiB(MIN_MEMORY_BYTES)} needed).` };
  }
  return { ...base, status: "fail", reason: `Only ${have} of memory; Citadel needs at least ${formatGiB(MIN_MEMORY_BYTES)}.` };
}

export function checkDisk(dataDir: string, freeBytes: number): PreflightResult {
  const base = { id: "disk", title: "Free disk in the data directory" };
  const free = `${formatGiB(freeBytes)} free in ${dataDir}`;
  if (freeBytes < DISK_FAIL_BYTES) {
    return { ...base, status: "fail", reason: `${free}; at least ${formatGiB(DISK_FAIL_BYTES)} is needed to run at all.` };
  }
  if (freeBytes < DISK_WARN_BYTES) {
    return {
      ...base,
      status: "warn",
      reason: `${free}; ${formatGiB(DISK_WARN_BYTES)} or more is recommended (the database, logs and artifacts grow).`,
    };
  }
  return { ...base, status: "pass", reason: `${free}.` };
}

/** Bytes available to an unprivileged user on the filesystem holding `dir` (its nearest existing ancestor if it is not made yet). */
export async function freeDiskBytes(dir: string): Promise<number> {
  for (let current = dir; ; current = dirname(current)) {
    try {
      const stats = await statfs(current);
      return stats.bavail * stats.bsize;
    } catch (error) {
      const parent = dirname(current);
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || parent === current) throw error;
    }
  }
}
