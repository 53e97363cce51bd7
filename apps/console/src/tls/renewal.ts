import type { TlsBundle } from "./types";
import { formatDate } from "./x509-text";

const DAY_MS = 86_400_000;
/** Self-signed certificates are renewed, and custom ones warned about, this many days before they expire. */
export const RENEWAL_WINDOW_DAYS = 30;

/** Whole days left until notAfter (0 on the last day, negative once expired). */
export function daysUntilExpiry(bundle: Pick<TlsBundle, "notAfter">, now: Date): number {
  return Math.floor((bundle.notAfter.getTime() - now.getTime()) / DAY_MS);
}

export interface RenewalAdvice {
  /** "renew": a self-signed certificate is due to be regenerated; "warn": a custom one needs the admin. */
  action: "none" | "renew" | "warn";
  daysLeft: number;
  /** For the dashboard. */
  message: string;
}

/** What to do about a certificate's expiry: self-signed renews itself, a custom one is warned about, both 30 days ahead. */
export function needsRenewal(bundle: Pick<TlsBundle, "notAfter" | "selfSigned">, now: Date): RenewalAdvice {
  const daysLeft = daysUntilExpiry(bundle, now);
  const until = formatDate(bundle.notAfter);
  if (daysLeft >= RENEWAL_WINDOW_DAYS) {
    return { action: "none", daysLeft, message: `The certificate is valid until ${until} (${daysLeft} days).` };
  }
  const expiry =
    now.getTime() > bundle.notAfter.getTime() ? `expired on ${until}` : `expires on ${until} (${daysLeft} days left)`;
  if (bundle.selfSigned) {
    return { action: "renew", daysLeft, message: `The self-signed certificate ${expiry}; a new one is generated.` };
  }
  return { action: "warn", daysLeft, message: `The certificate ${expiry}; upload a renewed certificate before then.` };
}
