import { and, asc, eq, ne, sql } from "drizzle-orm";
import type { DbOrTx } from "../connect";
import { builders } from "../schema/builders";

/** Builders heartbeat every 10 s; one silent this long is shown offline (its jobs fail when their lease lapses). */
export const OFFLINE_AFTER_SECONDS = 60;

export type FleetState = "active" | "draining" | "offline";

export interface FleetBuilder {
  id: string;
  name: string;
  host: string;
  runtime: string;
  version: string;
  state: FleetState;
  slotsTotal: number;
  slotsUsed: number;
  lastHeartbeatAt: Date | null;
  /** A drain was asked and the builder has not picked it up yet. */
  drainPending: boolean;
}

/** Registered builders (deregistered ones are gone), with offline derived from the last heartbeat. */
export async function listFleet(db: DbOrTx, now = new Date()): Promise<FleetBuilder[]> {
  const rows = await db.select().from(builders).where(ne(builders.state, "deregistered")).orderBy(asc(builders.name));
  return rows.map((row) => {
    const lastSeen = row.lastHeartbeatAt ?? row.createdAt;
    const silent = now.getTime() - lastSeen.getTime() > OFFLINE_AFTER_SECONDS * 1000;
    return {
      id: row.id,
      name: row.name,
      host: row.host,
      runtime: row.runtime,
      version: row.version,
      state: silent ? "offline" : row.state === "draining" ? "draining" : "active",
      slotsTotal: row.slotsTotal,
      slotsUsed: silent ? 0 : row.slotsUsed,
      lastHeartbeatAt: row.lastHeartbeatAt,
      drainPending: row.pendingCommands.some((command) => command.type === "drain"),
    };
  });
}

/** Asks a builder to finish its running jobs and take no more; it hears it on its next heartbeat. */
export async function requestDrain(db: DbOrTx, builderId: string): Promise<boolean> {
  const updated = await db
    .update(builders)
    .set({ pendingCommands: sql`${builders.pendingCommands} || '[{"type":"drain"}]'::jsonb` })
    .where(and(eq(builders.id, builderId), ne(builders.state, "deregistered")))
    .returning({ id: builders.id });
  return updated.length > 0;
}

/** A builder box gone for good leaves the fleet, only if it is still silent (it may have come back meanwhile). */
export async function removeSilentBuilder(db: DbOrTx, builderId: string): Promise<boolean> {
  const removed = await db
    .update(builders)
    .set({ state: "deregistered", slotsUsed: 0, pendingCommands: [] })
    .where(
      and(
        eq(builders.id, builderId),
        ne(builders.state, "deregistered"),
        sql`coalesce(${builders.lastHeartbeatAt}, ${builders.createdAt}) < now() - make_interval(secs => ${OFFLINE_AFTER_SECONDS})`,
      ),
    )
    .returning({ id: builders.id });
  return removed.length > 0;
}

/** A drained builder leaves the fleet; its credential stops working. */
export async function deregisterBuilder(db: DbOrTx, builderId: string): Promise<void> {
  await db.update(builders).set({ state: "deregistered", slotsUsed: 0, pendingCommands: [] }).where(eq(builders.id, builderId));
}
