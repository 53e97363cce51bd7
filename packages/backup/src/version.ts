import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const ROOT_PACKAGE = fileURLToPath(new URL("../../../package.json", import.meta.url));

/** Citadel's version is the root package.json's. */
export async function citadelVersion(): Promise<string> {
  const parsed = JSON.parse(await readFile(ROOT_PACKAGE, "utf8")) as { version?: string };
  return parsed.version ?? "0.0.0";
}
