import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { IssueInput } from "@citadel/license";
import { freePort, type RunningAppliance, startAppliance, tempDataDir, waitForOutput } from "./appliance";
import { testLicense } from "./license";

export const ADMIN_PASSWORD = "a long admin password";

export interface PreparedAppliance {
  dataDir: string;
  license: Awaited<ReturnType<typeof testLicense>>;
  ports: { console: number; https: number; http: number };
  /** What the appliance and the `citadel` CLI need in their environment. */
  env: Record<string, string>;
  /** Removes the data dir. */
  remove(): Promise<void>;
}

/** A fresh data dir, a trusted test license and free ports for the console and the services box. */
export async function prepareAppliance(license: Partial<IssueInput> = {}): Promise<PreparedAppliance> {
  const dataDir = await tempDataDir();
  const issued = await testLicense(dataDir, license);
  const ports = { console: await freePort(), https: await freePort(), http: await freePort() };
  return {
    dataDir,
    license: issued,
    ports,
    env: {
      CITADEL_DATA_DIR: dataDir,
      CITADEL_LICENSE_PUBKEYS: issued.jwksFile,
      CITADEL_HTTPS_PORT: String(ports.https),
      CITADEL_HTTP_PORT: String(ports.http),
    },
    remove: () => rm(dataDir, { recursive: true, force: true }),
  };
}

/** Writes a CITADEL_BOOTSTRAP file: localhost, self-signed TLS, the test license, plain git; overrides win. */
export async function writeBootstrap(prepared: PreparedAppliance, overrides: Record<string, unknown> = {}): Promise<string> {
  const file = join(prepared.dataDir, "bootstrap.json");
  await writeFile(
    file,
    JSON.stringify({
      hostname: "localhost",
      adminPassword: ADMIN_PASSWORD,
      tls: { mode: "self-signed" },
      licenseFile: prepared.license.licenseFile,
      sourceControl: { kind: "git-ssh" },
      ...overrides,
    }),
  );
  return file;
}

export interface InstalledAppliance extends PreparedAppliance {
  app: RunningAppliance;
  /** Kills the whole process tree if it still runs, then removes the data dir. */
  destroy(): Promise<void>;
}

/** An appliance installed headlessly, with its services box running, ready for requests. */
export async function startInstalledAppliance(
  license: Partial<IssueInput> = {},
  extraEnv: Record<string, string> = {},
): Promise<InstalledAppliance> {
  const prepared = await prepareAppliance(license);
  const bootstrap = await writeBootstrap(prepared);
  const app = startAppliance(prepared.dataDir, prepared.ports.console, {
    ...prepared.env,
    ...extraEnv,
    CITADEL_BOOTSTRAP: bootstrap,
  });
  const destroy = async () => {
    if (app.child.exitCode === null) {
      process.kill(-(app.child.pid ?? 0), "SIGKILL");
      await app.exited;
    }
    await prepared.remove();
  };
  try {
    await waitForOutput(app, /"msg":"console ready"/);
  } catch (error) {
    await destroy();
    throw error;
  }
  return { ...prepared, app, destroy };
}
