import type { Feature, LicenseClaims } from "./claims";

export const DAY_MS = 86_400_000;
/** With `block-builds`, builds continue this many days after expiry (with a warning), then stop. */
export const GRACE_DAYS = 14;
/** How far the appliance clock may lag the vendor's before a fresh license counts as not yet valid. */
export const CLOCK_TOLERANCE_MS = 10 * 60_000;

export type TimeStatus = { status: "valid" } | { status: "expired"; daysSince: number } | { status: "not-yet-valid" };

export type BuildGate = { allowed: true; warning: string | null } | { allowed: false; reason: string };

/** Only the verifier creates License objects, so one in hand always carries a checked vendor signature. */
export const VERIFIED: unique symbol = Symbol("verified license");

/** `2027-01-31` for a midnight-UTC time, the full ISO time otherwise. */
export function formatTime(date: Date): string {
  const iso = date.toISOString();
  return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso;
}

function daysAgo(days: number): string {
  if (days === 0) return "less than a day ago";
  return days === 1 ? "1 day ago" : `${days} days ago`;
}

function daysText(days: number): string {
  return days === 1 ? "1 day" : `${days} days`;
}

function withinLimit(current: number, max: number | undefined): boolean {
  if (!Number.isInteger(current) || current < 0) return false;
  return max === undefined || current < max;
}

/** A license whose vendor signature holds. Enforcement decisions read only the signed, schema-checked claims. */
export class License {
  readonly issuedAt: Date;
  /** null: perpetual. */
  readonly expiresAt: Date | null;

  constructor(
    token: typeof VERIFIED,
    /** The signed claims the appliance acts on. */
    readonly claims: Readonly<LicenseClaims>,
    /** Signed but unrecognised claims: shown to the operator, never used for decisions. */
    readonly unknownClaims: Readonly<Record<string, unknown>>,
    /** The vendor key that signed this license. */
    readonly kid: string,
  ) {
    if (token !== VERIFIED) throw new TypeError("License objects come from verifyLicense");
    this.issuedAt = new Date(claims.issuedAt);
    this.expiresAt = claims.expiresAt === undefined ? null : new Date(claims.expiresAt);
  }

  get id(): string {
    return this.claims.id;
  }

  get customer(): string {
    return this.claims.customer;
  }

  /** Whether one more builder may be registered when `current` are. */
  canAddBuilder(current: number): boolean {
    return withinLimit(current, this.claims.entitlements.maxBuilders);
  }

  /** Whether one more user (seat) may be added when `current` exist. */
  canAddUser(current: number): boolean {
    return withinLimit(current, this.claims.entitlements.maxUsers);
  }

  hasFeature(name: Feature): boolean {
    return this.claims.entitlements.features.includes(name);
  }

  /** Whole days until expiry (0 on the last day, negative once expired); null for a perpetual license. */
  daysLeft(now: Date = new Date()): number | null {
    if (!this.expiresAt) return null;
    return Math.floor((this.expiresAt.getTime() - now.getTime()) / DAY_MS);
  }

  timeStatus(now: Date = new Date()): TimeStatus {
    if (now.getTime() + CLOCK_TOLERANCE_MS < this.issuedAt.getTime()) return { status: "not-yet-valid" };
    if (this.expiresAt && now.getTime() >= this.expiresAt.getTime()) {
      return { status: "expired", daysSince: Math.floor((now.getTime() - this.expiresAt.getTime()) / DAY_MS) };
    }
    return { status: "valid" };
  }

  /**
   * Whether builds may run at `now`. `block-builds`: allowed with a warning for GRACE_DAYS after expiry
   * (while now < expiresAt + 14 days), then refused. `warn-only`: always allowed, with a warning once expired.
   */
  buildsAllowed(now: Date = new Date()): BuildGate {
    const time = this.timeStatus(now);
    if (time.status === "not-yet-valid") return { allowed: false, reason: this.message(time) };
    if (time.status === "valid" || !this.expiresAt) return { allowed: true, warning: null };
    const expired = this.message(time);
    if (this.claims.entitlements.expiryPolicy === "warn-only") {
      return { allowed: true, warning: `${expired}; builds continue under the warn-only policy, renew the license` };
    }
    const graceEnd = new Date(this.expiresAt.getTime() + GRACE_DAYS * DAY_MS);
    if (now.getTime() >= graceEnd.getTime()) {
      return {
        allowed: false,
        reason: `${expired}; the ${GRACE_DAYS}-day grace period ended ${formatTime(graceEnd)}, builds are stopped until the license is renewed`,
      };
    }
    const left = Math.ceil((graceEnd.getTime() - now.getTime()) / DAY_MS);
    return { allowed: true, warning: `${expired}; builds stop ${formatTime(graceEnd)} (${daysText(left)} of grace left)` };
  }

  /** The one-line human message for a time status. */
  message(time: TimeStatus, now: Date = new Date()): string {
    const name = `license ${this.id} for ${this.customer}`;
    if (time.status === "not-yet-valid") {
      return `${name} is not valid before ${this.claims.issuedAt} (is the appliance clock behind?)`;
    }
    if (time.status === "expired" && this.expiresAt) {
      return `${name} expired ${formatTime(this.expiresAt)} (${daysAgo(time.daysSince)})`;
    }
    const days = this.daysLeft(now);
    return `${name} is valid (${this.expiresAt && days !== null ? `expires ${formatTime(this.expiresAt)}, ${daysText(days)} left` : "perpetual"})`;
  }
}
