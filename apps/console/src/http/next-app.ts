import { existsSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";

export const CONSOLE_DIR = fileURLToPath(new URL("../..", import.meta.url));

/** Loads the production build of the console UI (made by `npm start`/`npm test` set-up). */
export async function prepareNext(logger: Logger): Promise<(req: IncomingMessage, res: ServerResponse) => Promise<void>> {
  if (!existsSync(join(CONSOLE_DIR, ".next", "BUILD_ID"))) {
    throw new Error("the console UI is not built: run npm start (it builds it) or npm run build -w @citadel/console");
  }
  const { default: next } = await import("next");
  const app = next({ dev: false, dir: CONSOLE_DIR, quiet: true });
  await app.prepare();
  logger.info("console UI ready");
  const handle = app.getRequestHandler();
  return (req, res) => handle(req, res);
}
