#!/usr/bin/env node
// circle-shutdown: drain the local builder daemon (see apps/builder/src/cli/circle-shutdown.ts).
import { ensureDependencies, runTypeScript } from "../../../scripts/setup.mjs";

ensureDependencies();
await runTypeScript("apps/builder/src/cli/circle-shutdown.ts");
