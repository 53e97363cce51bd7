import { router } from "./init";
import { auditRouter } from "./routers/audit";
import { authRouter } from "./routers/auth";
import { backupsRouter } from "./routers/backups";
import { dashboardRouter } from "./routers/dashboard";
import { fleetRouter } from "./routers/fleet";
import { servicesRouter } from "./routers/services";
import { wizardRouter } from "./routers/wizard";

export const appRouter = router({
  auth: authRouter,
  wizard: wizardRouter,
  services: servicesRouter,
  audit: auditRouter,
  dashboard: dashboardRouter,
  backups: backupsRouter,
  fleet: fleetRouter,
});

export type AppRouter = typeof appRouter;
