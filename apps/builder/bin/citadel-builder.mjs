#!/usr/bin/env node
// The builder daemon (npx citadel-builder ...): sets itself up on a fresh clone, then runs the TypeScript source.
import { ensureDependencies, runTypeScript } from "../../../scripts/setup.mjs";

ensureDependencies();
await runTypeScript("apps/builder/src/main.ts");
