import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import type { AppContext } from "../app-context";
import { AuthError, type Session } from "../domain/auth";
import { FieldError, FieldErrors, StateError } from "../domain/errors";

export interface RequestContext {
  app: AppContext;
  session: Session | null;
  ip: string | null;
  setSessionCookie(token: string, maxAgeSeconds: number): void;
  clearSessionCookie(): void;
}

/** Field-level errors travel in `data.fieldErrors`, so the UI shows each next to its field. */
const t = initTRPC.context<RequestContext>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    let fieldErrors: Array<{ field: string; message: string }> | null = null;
    if (cause instanceof ZodError) {
      fieldErrors = cause.issues.map((issue) => ({ field: issue.path.join(".") || "form", message: issue.message }));
    } else if (cause instanceof FieldErrors) {
      fieldErrors = cause.errors;
    } else if (cause instanceof FieldError) {
      fieldErrors = [{ field: cause.field, message: cause.message }];
    }
    // Unexpected errors never show their internals (they could carry secrets); they are logged.
    const message = error.code === "INTERNAL_SERVER_ERROR" ? "Internal error: see the console log." : shape.message;
    return { ...shape, message, data: { ...shape.data, stack: undefined, fieldErrors } };
  },
});

/** Maps domain errors to tRPC codes once, here, instead of in every procedure. */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof FieldError || cause instanceof FieldErrors) {
      throw new TRPCError({ code: "BAD_REQUEST", message: cause.message, cause });
    }
    if (cause instanceof StateError) throw new TRPCError({ code: "PRECONDITION_FAILED", message: cause.message, cause });
    if (cause instanceof AuthError) {
      const code =
        cause.code === "locked" ? "TOO_MANY_REQUESTS" : cause.code === "weak-password" ? "BAD_REQUEST" : "UNAUTHORIZED";
      throw new TRPCError({ code, message: cause.message, cause });
    }
  }
  return result;
});

export const router = t.router;
export const publicProcedure = t.procedure.use(domainErrors);

/** The pre-auth window: a bootstrap session (or an admin one). */
export const bootstrapProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.session) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first." });
  return next({ ctx: { ...ctx, session: ctx.session } });
});

/** Everything else: an admin session. */
export const adminProcedure = publicProcedure.use(({ ctx, next }) => {
  if (ctx.session?.kind !== "admin") throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in as the admin first." });
  return next({ ctx: { ...ctx, session: ctx.session } });
});

export const actorOf = (ctx: { session: Session | null; ip: string | null }) => ({
  actor: ctx.session?.kind ?? "anonymous",
  ip: ctx.ip,
});
