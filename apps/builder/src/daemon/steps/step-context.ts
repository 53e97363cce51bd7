import { posix } from "node:path";
import type { JobSpec } from "@citadel/protocol";
import type { ServicesApi } from "../../client/services-api";
import type { JobSandbox } from "../../runtime/types";

/** What a built-in step (caches, artifacts, workspaces, test results) works with. */
export interface StepContext {
  readonly job: JobSpec;
  readonly sandbox: JobSandbox;
  readonly api: ServicesApi;
  /** The step's log (masked on its way out). */
  readonly out: { write(text: string): void };
  readonly workingDirectory: string;
  /** The job's environment, for `{{ .Environment.VAR }}`. */
  readonly env: Readonly<Record<string, string>>;
}

export type BuiltInOutcome = "success" | "failed" | "skipped";

/** A path as a config writes it: absolute, `~/…`, or relative to the working directory. */
export function inJob(path: string, workingDirectory: string): string {
  if (path.startsWith("/") || path === "~" || path.startsWith("~/")) return path;
  return posix.join(workingDirectory, path);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
