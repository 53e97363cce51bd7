import { z } from "zod";
import { adminPasswordIsSet, login, logout, setAdminPassword } from "../../domain/auth";
import { setHostname, setTls } from "../../domain/install";
import { actorOf, adminProcedure, bootstrapProcedure, publicProcedure, router } from "../init";
import { tlsInputSchema } from "./schemas";

export const authRouter = router({
  status: publicProcedure.query(async ({ ctx }) => ({
    adminPasswordSet: await adminPasswordIsSet(ctx.app.db),
    session: ctx.session?.kind ?? null,
  })),

  login: publicProcedure
    .input(z.object({ password: z.string().min(1, "Enter the password.").max(1024) }))
    .mutation(async ({ ctx, input }) => {
      const result = await login(ctx.app.db, ctx.app.keyring, input.password, ctx.ip);
      ctx.setSessionCookie(result.token, result.maxAgeSeconds);
      return { session: result.session.kind };
    }),

  logout: bootstrapProcedure.mutation(async ({ ctx }) => {
    await logout(ctx.app.db, ctx.session, ctx.ip);
    ctx.clearSessionCookie();
    return { ok: true };
  }),

  /** Pre-auth window: the bootstrap session sets the first admin password. */
  setInitialPassword: bootstrapProcedure.input(z.object({ password: z.string().max(1024) })).mutation(async ({ ctx, input }) => {
    if (await adminPasswordIsSet(ctx.app.db)) {
      throw new Error("unreachable: bootstrap sessions end when the admin password is set");
    }
    const result = await setAdminPassword(ctx.app.db, ctx.app.keyring, { newPassword: input.password, ...actorOf(ctx) });
    ctx.setSessionCookie(result.token, result.maxAgeSeconds);
    return { session: result.session.kind };
  }),

  changePassword: adminProcedure
    .input(z.object({ currentPassword: z.string().max(1024), newPassword: z.string().max(1024) }))
    .mutation(async ({ ctx, input }) => {
      const result = await setAdminPassword(ctx.app.db, ctx.app.keyring, { ...input, ...actorOf(ctx) });
      ctx.setSessionCookie(result.token, result.maxAgeSeconds);
      return { ok: true };
    }),

  /**
   * Pre-auth window: TLS upload (with the hostname it must cover), so the admin can type the new
   * password over a trusted certificate.
   */
  uploadTls: bootstrapProcedure
    .input(z.object({ hostname: z.string().max(300), tls: tlsInputSchema }))
    .mutation(async ({ ctx, input }) => {
      await setHostname(ctx.app, input.hostname, actorOf(ctx));
      return setTls(ctx.app, input.tls, actorOf(ctx));
    }),
});
