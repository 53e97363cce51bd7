import type { ServicesContext } from "../app-context";
import { JOBS_QUEUED_CHANNEL } from "./workflow-settle";

type Wake = () => void;
const waiters = new WeakMap<ServicesContext, { listening: Promise<unknown>; wakes: Set<Wake> }>();

/**
 * Resolves when a job may have been queued (PostgreSQL NOTIFY from any services instance) or after
 * at most `ms`, whichever comes first; long-polling claimers retry their claim then.
 */
export async function waitForQueuedJob(ctx: ServicesContext, ms: number): Promise<void> {
  let entry = waiters.get(ctx);
  if (!entry) {
    const wakes = new Set<Wake>();
    const listening = ctx.database.sql.listen(JOBS_QUEUED_CHANNEL, () => {
      for (const wake of wakes) wake();
    });
    entry = { listening, wakes };
    waiters.set(ctx, entry);
  }
  await entry.listening;
  const { wakes } = entry;
  await new Promise<void>((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      wakes.delete(wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    wakes.add(wake);
  });
}
