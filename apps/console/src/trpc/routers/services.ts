import { recordAudit } from "../../domain/audit";
import { startServices, stopServices } from "../../domain/install";
import { actorOf, adminProcedure, router } from "../init";

export const servicesRouter = router({
  status: adminProcedure.query(({ ctx }) => ctx.app.supervisor.current()),
  start: adminProcedure.mutation(async ({ ctx }) => {
    await startServices(ctx.app, actorOf(ctx));
    return ctx.app.supervisor.current();
  }),
  stop: adminProcedure.mutation(async ({ ctx }) => {
    await stopServices(ctx.app, actorOf(ctx));
    return ctx.app.supervisor.current();
  }),
  restart: adminProcedure.mutation(async ({ ctx }) => {
    await recordAudit(ctx.app.db, { ...actorOf(ctx), action: "services.restart" });
    await ctx.app.supervisor.restart();
    return ctx.app.supervisor.current();
  }),
});
