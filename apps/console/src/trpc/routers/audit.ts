import { z } from "zod";
import { listAudit } from "../../domain/audit-query";
import { adminProcedure, router } from "../init";

export const auditFilterSchema = z.object({
  action: z.string().max(100).optional(),
  actor: z.string().max(100).optional(),
  since: z.coerce.date().optional(),
  until: z.coerce.date().optional(),
  beforeId: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(500).default(50),
});

export const auditRouter = router({
  list: adminProcedure.input(auditFilterSchema).query(({ ctx, input }) => listAudit(ctx.app.db, input)),
});
