import { activeCertificate } from "@citadel/db";
import { verifyLicense } from "@citadel/license";
import { latestBackup } from "../../domain/backup-records";
import { fleetOverview } from "../../domain/fleet";
import { wizardState } from "../../domain/install";
import { getSetting } from "../../domain/settings";
import { daysUntilExpiry, needsRenewal } from "../../tls/renewal";
import { adminProcedure, router } from "../init";

export const dashboardRouter = router({
  summary: adminProcedure.query(async ({ ctx }) => {
    const now = new Date();
    const [wizard, hostname, certificate, storedLicense] = await Promise.all([
      wizardState(ctx.app),
      getSetting(ctx.app.db, "hostname"),
      activeCertificate(ctx.app.db, ctx.app.keyring),
      getSetting(ctx.app.db, "license"),
    ]);
    let license = null;
    if (storedLicense) {
      const result = await verifyLicense(storedLicense.token, ctx.app.trust, { now });
      const lic = "license" in result ? result.license : null;
      license = {
        status: result.status,
        message: result.message,
        customer: lic?.customer ?? null,
        daysLeft: lic?.daysLeft(now) ?? null,
        entitlements: lic?.claims.entitlements ?? null,
        buildsAllowed: lic ? lic.buildsAllowed(now) : { allowed: false as const, reason: result.message },
        unknownClaims: lic?.unknownClaims ?? {},
      };
    }
    return {
      wizard,
      hostname: hostname?.hostname ?? null,
      services: ctx.app.supervisor.current(),
      tls: certificate
        ? {
            fingerprintSha256: certificate.fingerprintSha256,
            hostnames: certificate.hostnames,
            notAfter: certificate.notAfter.toISOString(),
            selfSigned: certificate.selfSigned,
            daysLeft: daysUntilExpiry(certificate, now),
            warning: needsRenewal(certificate, now).action === "warn" ? needsRenewal(certificate, now).message : null,
          }
        : null,
      license,
      backup: await latestBackup(ctx.app.db),
      fleet: (await fleetOverview(ctx.app)).totals,
    };
  }),
});
