import { type FleetBuilder, listFleet, removeSilentBuilder, requestDrain } from "@citadel/db";
import type { AppContext } from "../app-context";
import { recordAudit } from "./audit";
import { StateError } from "./errors";
import { createJoinToken } from "./join-tokens";

type Actor = { actor: string; ip: string | null };

/** Join tokens made in the console are for a box being set up now. */
const CONSOLE_JOIN_TOKEN_TTL_SECONDS = 3600;

export async function fleetOverview(app: AppContext): Promise<{
  builders: FleetBuilder[];
  totals: { builders: number; online: number; slotsTotal: number; slotsUsed: number };
}> {
  const builders = await listFleet(app.db);
  const online = builders.filter((b) => b.state !== "offline");
  return {
    builders,
    totals: {
      builders: builders.length,
      online: online.length,
      slotsTotal: online.reduce((sum, b) => sum + b.slotsTotal, 0),
      slotsUsed: online.reduce((sum, b) => sum + b.slotsUsed, 0),
    },
  };
}

async function builderById(app: AppContext, builderId: string): Promise<FleetBuilder> {
  const builder = (await listFleet(app.db)).find((b) => b.id === builderId);
  if (!builder) throw new StateError("No such builder: it may have been deregistered already.");
  return builder;
}

/** The builder finishes its running jobs, takes no new one, deregisters and stops (on its next heartbeat). */
export async function drainBuilder(app: AppContext, builderId: string, actor: Actor): Promise<void> {
  const builder = await builderById(app, builderId);
  if (builder.state === "offline") {
    throw new StateError(`${builder.name} is offline and cannot hear a drain; remove it from the fleet instead.`);
  }
  await requestDrain(app.db, builderId);
  await recordAudit(app.db, {
    ...actor,
    action: "builder.drain",
    target: builder.name,
    details: { builderId, host: builder.host },
  });
}

/** Frees the license seat of a builder box that is gone for good; its credential stops working. */
export async function removeOfflineBuilder(app: AppContext, builderId: string, actor: Actor): Promise<void> {
  const builder = await builderById(app, builderId);
  if (builder.state !== "offline") {
    throw new StateError(`${builder.name} is ${builder.state}: drain it (it deregisters itself) rather than removing it.`);
  }
  if (!(await removeSilentBuilder(app.db, builderId))) {
    throw new StateError(`${builder.name} sent a heartbeat again just now: it is not offline any more.`);
  }
  await recordAudit(app.db, {
    ...actor,
    action: "builder.remove",
    target: builder.name,
    details: { builderId, host: builder.host },
  });
}

/** What to run on a new builder box, with a fresh single-use join token. */
export async function addBuilderCommand(app: AppContext, actor: Actor): Promise<{ command: string; expiresAt: string }> {
  const { token, expiresAt } = await createJoinToken(app.db, app.keyring, {
    httpsPort: app.env.CITADEL_HTTPS_PORT,
    ttlSeconds: CONSOLE_JOIN_TOKEN_TTL_SECONDS,
  });
  await recordAudit(app.db, { ...actor, action: "builder.join-token", details: { expiresAt: expiresAt.toISOString() } });
  return { command: `npx citadel-builder --join-token ${token}`, expiresAt: expiresAt.toISOString() };
}
