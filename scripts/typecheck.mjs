// Type-checks the root scripts, the benchmarks and every workspace against its own tsconfig.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./setup.mjs";
import { workspaceDirs } from "./workspaces.mjs";

const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const failed = [];
for (const dir of [".", "bench", ...workspaceDirs()]) {
  if (!existsSync(join(ROOT, dir, "tsconfig.json"))) continue;
  const result = spawnSync(process.execPath, [tsc, "--noEmit", "-p", join(dir, "tsconfig.json")], {
    cwd: ROOT,
    stdio: "inherit",
  });
  if (result.status !== 0) failed.push(dir);
}
if (failed.length > 0) {
  process.stderr.write(`typecheck failed in: ${failed.join(", ")}\n`);
  process.exit(1);
}
process.stdout.write("typecheck: ok\n");
