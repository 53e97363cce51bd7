export type PreflightStatus = "pass" | "warn" | "fail";

/** One check's outcome; `reason` is what the admin reads next to it. */
export interface PreflightResult {
  id: string;
  title: string;
  status: PreflightStatus;
  reason: string;
}

export const GIB = 1024 ** 3;

/** 3.82 GiB → "3.8 GiB"; 250 GiB → "250 GiB". */
export function formatGiB(bytes: number): string {
  const gib = bytes / GIB;
  return `${gib >= 100 ? Math.round(gib) : Math.round(gib * 10) / 10} GiB`;
}

/** The message of whatever a dependency threw, for a reason line. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
