// `npm start`: set up what is missing, then run the appliance (the console supervises the rest).
import { ensureConsoleBuilt, ensureDependencies, runTypeScript } from "./setup.mjs";

process.env.NEXT_TELEMETRY_DISABLED = "1";
ensureDependencies();
ensureConsoleBuilt();
await runTypeScript("apps/console/src/main.ts");
