#!/usr/bin/env node
// The `citadel` CLI (npx citadel ...). Sets itself up on a fresh clone, then runs the TypeScript source.
import { ensureDependencies, runTypeScript } from "../../../scripts/setup.mjs";

ensureDependencies();
await runTypeScript("apps/console/src/cli/main.ts");
