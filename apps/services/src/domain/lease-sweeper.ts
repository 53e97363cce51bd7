import type { ServicesContext } from "../app-context";
import { sweepLapsedLeases } from "./queue";

/** Sweeps lapsed leases every intervalMs; several services instances may sweep at once safely. */
export function startLeaseSweeper(ctx: ServicesContext, intervalMs = 10_000): { stop(): void } {
  const log = ctx.logger.child({ module: "lease-sweeper" });
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepLapsedLeases(ctx.db)
      .then((swept) => {
        if (swept > 0) log.warn({ swept }, "jobs lost their builder (lease lapsed): marked infrastructure_fail");
      })
      .catch((error: unknown) => log.error({ err: error }, "lease sweep failed"))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
