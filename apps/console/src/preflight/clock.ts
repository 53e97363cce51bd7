import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { withTimeout } from "./timeout";
import { describeError, type PreflightResult } from "./types";

export const MIN_YEAR = 2024;
export const MAX_SKEW_MS = 5 * 60_000;

export interface ClockDeps {
  now: () => Date;
  /** When this code was built: the newest mtime among the app's own source files (see newestSourceMtime). */
  buildTime: () => Promise<Date | undefined>;
  /** A trusted clock to compare with, e.g. an HTTP Date header (httpDateProbe); absent when there is no network. */
  networkTime?: () => Promise<Date | undefined>;
}

/**
 * Sane means: the year is at least 2024; within 5 minutes of the network clock when one is given; otherwise not
 * more than 5 minutes before the build of this code (a clock cannot be checked for running ahead without a
 * reference, so that direction is only checked against the network clock).
 */
export async function checkClock(deps: ClockDeps): Promise<PreflightResult> {
  const base = { id: "clock", title: "Clock" };
  const now = deps.now();
  const shown = now.toISOString().replace("T", " ").slice(0, 19);
  if (now.getUTCFullYear() < MIN_YEAR) {
    return { ...base, status: "fail", reason: `The system clock says ${shown} UTC; set the date and time (enable NTP).` };
  }
  let networkNote = "";
  if (deps.networkTime) {
    try {
      const reference = await deps.networkTime();
      if (reference !== undefined) return compare(base, now, reference, "the network time");
      networkNote = " (the network time probe gave no Date)";
    } catch (error) {
      networkNote = ` (the network time probe failed: ${describeError(error)})`;
    }
  }
  const build = await deps.buildTime();
  if (build !== undefined && build.getTime() - now.getTime() > MAX_SKEW_MS) {
    return compare(base, now, build, "this Citadel build");
  }
  const reference = build === undefined ? "" : `, after this Citadel build (${build.toISOString().slice(0, 10)})`;
  return { ...base, status: "pass", reason: `The system clock says ${shown} UTC${reference}${networkNote}.` };
}

function compare(base: { id: string; title: string }, now: Date, reference: Date, what: string): PreflightResult {
  const skew = now.getTime() - reference.getTime();
  const minutes = Math.round(Math.abs(skew) / 60_000);
  if (Math.abs(skew) <= MAX_SKEW_MS) {
    return {
      ...base,
      status: "pass",
      reason: `The system clock is within ${minutes <= 1 ? "a minute" : `${minutes} minutes`} of ${what}.`,
    };
  }
  const direction = skew > 0 ? "ahead of" : "behind";
  return {
    ...base,
    status: "warn",
    reason: `The system clock is ${minutes} minutes ${direction} ${what}; certificates, licenses and sessions depend on it (enable NTP).`,
  };
}

const SOURCE_DIR = fileURLToPath(new URL("..", import.meta.url));

/** The newest mtime of the .ts/.tsx files under `dir` (default: the console's src/), undefined when there are none. */
export async function newestSourceMtime(dir = SOURCE_DIR): Promise<Date | undefined> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !/\.tsx?$/.test(entry.name)) continue;
    const { mtimeMs } = await stat(join(entry.parentPath, entry.name));
    newest = Math.max(newest, mtimeMs);
  }
  return newest === 0 ? undefined : new Date(newest);
}

/** The Date header of a HEAD request to `url` (any answer, even an error status, carries the server's clock). */
export async function httpDateProbe(url: string, timeoutMs = 3000): Promise<Date | undefined> {
  const response = await withTimeout(
    fetch(url, { method: "HEAD", signal: AbortSignal.timeout(timeoutMs) }),
    timeoutMs,
    `no answer from ${url}`,
  );
  const header = response.headers.get("date");
  const date = header === null ? undefined : new Date(header);
  return date !== undefined && !Number.isNaN(date.getTime()) ? date : undefined;
}
