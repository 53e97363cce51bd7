/** Labels on every engine object a job creates; the reaper and destroy() find objects by them. */
export const LABEL_JOB = "citadel.job";
export const LABEL_BUILDER = "citadel.builder";
export const LABEL_ROLE = "citadel.role";

export type ContainerRole = "primary" | "secondary";

export function jobLabels(
  builderId: string,
  jobId: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return { ...extra, [LABEL_JOB]: jobId, [LABEL_BUILDER]: builderId };
}

/** Engine list filter selecting objects carrying all of the given labels. */
export function labelFilter(labels: Readonly<Record<string, string>>): { label: string[] } {
  return { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) };
}
