import { activeCertificate } from "@citadel/db";
import type { Logger } from "pino";
import type { AppContext } from "../app-context";
import { setTls } from "../domain/install";
import { needsRenewal } from "./renewal";

const CHECK_EVERY_MS = 6 * 3_600_000;

/** Self-signed certificates renew themselves 30 days before they expire. */
export async function renewSelfSignedIfDue(app: AppContext, logger: Logger, now = new Date()): Promise<boolean> {
  const active = await activeCertificate(app.db, app.keyring);
  if (!active || needsRenewal(active, now).action !== "renew") return false;
  await setTls(app, { mode: "self-signed" }, { actor: "system", ip: null });
  logger.info({ previousNotAfter: active.notAfter.toISOString() }, "renewed the self-signed certificate");
  return true;
}

export function scheduleSelfSignedRenewal(app: AppContext, logger: Logger): NodeJS.Timeout {
  const timer = setInterval(() => {
    renewSelfSignedIfDue(app, logger).catch((error: unknown) => logger.error({ err: error }, "self-signed renewal failed"));
  }, CHECK_EVERY_MS);
  timer.unref();
  return timer;
}
