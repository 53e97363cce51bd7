import { withTimeout } from "./timeout";
import { describeError, type PreflightResult } from "./types";

export const MIN_POSTGRES_VERSION_NUM = 140000;
const TIMEOUT_MS = 5000;

/**
 * `serverVersionNum` answers `SHOW server_version_num` (e.g. "160004" or 160004) or throws when the server
 * cannot be reached.
 */
export async function checkPostgres(serverVersionNum: () => Promise<number | string>): Promise<PreflightResult> {
  const base = { id: "postgres", title: "PostgreSQL" };
  let raw: number | string;
  try {
    raw = await withTimeout(serverVersionNum(), TIMEOUT_MS, `no answer within ${TIMEOUT_MS / 1000} s`);
  } catch (error) {
    return { ...base, status: "fail", reason: `PostgreSQL is not reachable: ${redact(describeError(error))}` };
  }
  const versionNum = typeof raw === "number" ? raw : Number.parseInt(raw, 10);
  if (!Number.isInteger(versionNum) || versionNum <= 0) {
    return {
      ...base,
      status: "fail",
      reason: `PostgreSQL answered with a version Citadel cannot read (${String(raw).slice(0, 40)}).`,
    };
  }
  const version = versionName(versionNum);
  if (versionNum < MIN_POSTGRES_VERSION_NUM) {
    return { ...base, status: "fail", reason: `PostgreSQL ${version} is too old; Citadel needs 14 or newer.` };
  }
  return { ...base, status: "pass", reason: `PostgreSQL ${version} is reachable.` };
}

/** 160004 → "16.4"; 90624 → "9.6.24" (before 10, the second part was a major version too). */
function versionName(num: number): string {
  const major = Math.floor(num / 10000);
  if (major >= 10) return `${major}.${num % 10000}`;
  return `${major}.${Math.floor(num / 100) % 100}.${num % 100}`;
}

/** Connection errors may quote a URL; its password never reaches the page. */
function redact(message: string): string {
  return message.replace(/(\w+:\/\/[^:/@\s]*:)[^@\s]*@/g, "$1***@");
}
