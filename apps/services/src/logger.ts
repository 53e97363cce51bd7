import { type Logger, pino } from "pino";

let root: Logger | undefined;

export function initLogger(level: string): Logger {
  root = pino({ name: "citadel-services", level });
  return root;
}

export function moduleLogger(module: string): Logger {
  root ??= pino({ name: "citadel-services" });
  return root.child({ module });
}
