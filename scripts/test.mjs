// `npm test`: set up what is missing (dependencies, test host provisioning), then lint,
// type-check and run every test. `npm test -- FILE...` runs only the given test files.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { ensureConsoleBuilt, ensureDependencies, ROOT } from "./setup.mjs";

process.env.NEXT_TELEMETRY_DISABLED = "1";
const only = process.argv.slice(2);

/**
 * @param {string} title
 * @param {string} command
 * @param {string[]} args
 */
function step(title, command, args) {
  process.stdout.write(`\n== ${title}\n`);
  const result = spawnSync(command, args, { cwd: ROOT, stdio: "inherit" });
  if (result.status !== 0) {
    process.stderr.write(`npm test: ${title} failed\n`);
    process.exit(result.status ?? 1);
  }
}

/** @param {string} dir @returns {string[]} */
function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return findTests(path);
    return entry.name.endsWith(".test.ts") ? [relative(ROOT, path)] : [];
  });
}

ensureDependencies();
ensureConsoleBuilt();
step("provision test host", "bash", ["installer/provision-test-host.sh"]);
step("lint and format (biome)", join(ROOT, "node_modules", ".bin", "biome"), ["ci", "--colors=off", "."]);
step("typecheck", process.execPath, ["scripts/typecheck.mjs"]);
const files = only.length > 0 ? only : ["packages", "apps", "test"].flatMap((dir) => findTests(join(ROOT, dir)));
if (files.length === 0) {
  process.stderr.write("npm test: no test files found\n");
  process.exit(1);
}
step(`tests (${files.length} files)`, process.execPath, ["--import", "tsx", "--test", "--test-reporter=spec", ...files]);
