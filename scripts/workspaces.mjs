// The workspace directories named by the root package.json ("dir/*" patterns expanded).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./setup.mjs";

/** @returns {string[]} */
export function workspaceDirs() {
  /** @type {{ workspaces: string[] }} */
  const { workspaces } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  return workspaces
    .flatMap((pattern) => {
      if (!pattern.endsWith("/*")) return [pattern];
      const parent = pattern.slice(0, -2);
      return readdirSync(join(ROOT, parent)).map((name) => `${parent}/${name}`);
    })
    .filter((dir) => existsSync(join(ROOT, dir, "package.json")));
}
