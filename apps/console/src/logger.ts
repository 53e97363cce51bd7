import { type Logger, pino } from "pino";

let root: Logger | undefined;

/** The process-wide JSON logger; set up once from the parsed environment. */
export function initLogger(level: string): Logger {
  root = pino({ name: "citadel-console", level, redact: ["password", "*.password", "databaseUrl"] });
  return root;
}

/** One child logger per module, so every line says where it came from. */
export function moduleLogger(module: string): Logger {
  root ??= pino({ name: "citadel-console" });
  return root.child({ module });
}
