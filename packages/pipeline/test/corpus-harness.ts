// Shared by the corpus tests: reading cases, the orb-directory resolver, golden comparison/update.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CompileOptions, OrbReference, OrbResolver, ProcessOptions } from "../src/index";

export const UPDATE = process.env.UPDATE_GOLDEN === "1";

export interface CaseInputs {
  process?: Pick<ProcessOptions, "pipelineParameters" | "pipelineValues">;
  compile?: Omit<CompileOptions, "orbResolver">;
}

export interface CorpusCase {
  name: string;
  dir: string;
  source: string;
  inputs: CaseInputs;
  orbResolver?: OrbResolver;
}

/** An orb resolver over `<dir>/orbs/<namespace>/<name>@<version>.yml`, as the CLI's --orb-dir. */
export function directoryResolver(dir: string): OrbResolver | undefined {
  const root = join(dir, "orbs");
  if (!existsSync(root)) return undefined;
  return (orb: OrbReference) => {
    const file = join(root, orb.namespace, `${orb.name}@${orb.version}.yml`);
    return existsSync(file) ? readFileSync(file, "utf8") : undefined;
  };
}

export function loadCases(folder: string): CorpusCase[] {
  const base = join(import.meta.dirname, folder);
  return readdirSync(base, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const dir = join(base, name);
      const inputsFile = join(dir, "inputs.json");
      const inputs = existsSync(inputsFile) ? (JSON.parse(readFileSync(inputsFile, "utf8")) as CaseInputs) : {};
      const resolver = directoryResolver(dir);
      // Configs that are not valid YAML are stored as config.yml.txt so the repository's linters skip them.
      const file = existsSync(join(dir, "config.yml")) ? join(dir, "config.yml") : join(dir, "config.yml.txt");
      const found: CorpusCase = { name, dir, source: readFileSync(file, "utf8"), inputs };
      if (resolver) found.orbResolver = resolver;
      return found;
    });
}

/** Returns the golden text (writing `actual` first when UPDATE_GOLDEN=1). */
export function golden(file: string, actual: string): string {
  if (UPDATE || !existsSync(file)) {
    if (!UPDATE) throw new Error(`missing golden ${file}; run with UPDATE_GOLDEN=1 and review it`);
    writeFileSync(file, actual);
  }
  return readFileSync(file, "utf8");
}
