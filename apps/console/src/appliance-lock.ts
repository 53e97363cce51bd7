import { readFileSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

export class ApplianceLockedError extends Error {
  override name = "ApplianceLockedError";
}

/**
 * One appliance per data dir. The lock holds our pid; a lock whose pid is gone (or now
 * belongs to something that is not node) was left by a crash and is taken over.
 */
export async function acquireApplianceLock(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  const lockFile = join(dataDir, "citadel.pid");
  const holder = await readHolder(lockFile);
  if (holder !== null && holder !== process.pid && isNodeProcess(holder)) {
    throw new ApplianceLockedError(`another Citadel appliance (pid ${holder}) is already running with data dir ${dataDir}`);
  }
  await writeFile(lockFile, `${process.pid}\n`);
  return async () => {
    if ((await readHolder(lockFile)) === process.pid) await rm(lockFile, { force: true });
  };
}

async function readHolder(lockFile: string): Promise<number | null> {
  try {
    const pid = Number((await readFile(lockFile, "utf8")).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

function isNodeProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("node");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
