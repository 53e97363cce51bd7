import { z } from "zod";
import { addBuilderCommand, drainBuilder, fleetOverview, removeOfflineBuilder } from "../../domain/fleet";
import { actorOf, adminProcedure, router } from "../init";

const builderId = z.object({ builderId: z.uuid("Unknown builder.") });

export const fleetRouter = router({
  overview: adminProcedure.query(({ ctx }) => fleetOverview(ctx.app)),
  drain: adminProcedure.input(builderId).mutation(async ({ ctx, input }) => {
    await drainBuilder(ctx.app, input.builderId, actorOf(ctx));
  }),
  remove: adminProcedure.input(builderId).mutation(async ({ ctx, input }) => {
    await removeOfflineBuilder(ctx.app, input.builderId, actorOf(ctx));
  }),
  addCommand: adminProcedure.mutation(({ ctx }) => addBuilderCommand(ctx.app, actorOf(ctx))),
});
