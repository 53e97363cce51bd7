import { availableParallelism, totalmem } from "node:os";

/** The box's size as the capacity calculation wants it. */
export function readHostResources(): { cpus: number; memoryBytes: number } {
  return { cpus: availableParallelism(), memoryBytes: totalmem() };
}
