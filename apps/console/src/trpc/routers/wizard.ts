import { z } from "zod";
import {
  markPreflightPassed,
  setHostname,
  setLicense,
  setSourceControl,
  setTls,
  sourceControlView,
  startServices,
  wizardState,
} from "../../domain/install";
import { runAppliancePreflight } from "../../domain/preflight";
import { actorOf, adminProcedure, router } from "../init";
import { sourceControlSchema, tlsInputSchema } from "./schemas";

/** The install wizard: each step is saved as it is passed, so it resumes where it stopped. */
export const wizardRouter = router({
  state: adminProcedure.query(({ ctx }) => wizardState(ctx.app)),
  setHostname: adminProcedure
    .input(z.object({ hostname: z.string().max(300) }))
    .mutation(({ ctx, input }) => setHostname(ctx.app, input.hostname, actorOf(ctx))),
  setTls: adminProcedure.input(tlsInputSchema).mutation(({ ctx, input }) => setTls(ctx.app, input, actorOf(ctx))),
  setLicense: adminProcedure.input(z.object({ license: z.string().max(128 * 1024) })).mutation(async ({ ctx, input }) => {
    const license = await setLicense(ctx.app, input.license, actorOf(ctx));
    return { id: license.id, customer: license.customer };
  }),
  setSourceControl: adminProcedure
    .input(sourceControlSchema)
    .mutation(({ ctx, input }) => setSourceControl(ctx.app, input, actorOf(ctx))),
  sourceControl: adminProcedure.query(({ ctx }) => sourceControlView(ctx.app)),
  runPreflight: adminProcedure.mutation(async ({ ctx }) => {
    const { results, blocked } = await runAppliancePreflight(ctx.app);
    if (!blocked) await markPreflightPassed(ctx.app);
    return { results, blocked };
  }),
  start: adminProcedure.mutation(async ({ ctx }) => {
    await startServices(ctx.app, actorOf(ctx));
    return ctx.app.supervisor.current();
  }),
});
