import { z } from "zod";
import { describeIssue } from "./errors";

/** Features the appliance knows how to gate. Licenses may name others (from a newer vendor tool); they are kept but unused. */
export const FEATURES = ["lxc", "ssh-rerun", "autoscaling", "s3-storage"] as const;
export type Feature = (typeof FEATURES)[number];

export const CHANNELS = ["stable", "beta"] as const;
export type Channel = (typeof CHANNELS)[number];

export const EXPIRY_POLICIES = ["block-builds", "warn-only"] as const;
export type ExpiryPolicy = (typeof EXPIRY_POLICIES)[number];

/** The protected header's `typ`: a vendor signature over anything else is not a license. */
export const LICENSE_TYPE = "citadel-license+jws";

const timestamp = z.iso.datetime();
const count = z.int().min(1).max(1_000_000);

/** Entitlements; an absent maximum means unlimited. */
const entitlementsSchema = z.object({
  maxBuilders: count.optional(),
  maxUsers: count.optional(),
  features: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/)).max(64),
  expiryPolicy: z.enum(EXPIRY_POLICIES),
});

/** The claims the appliance acts on. Anything else in a payload is reported as unknown and ignored. */
export const claimsSchema = z
  .object({
    id: z.string().min(1).max(128),
    customer: z.string().trim().min(1).max(200),
    issuedAt: timestamp,
    /** Absent: a perpetual license. */
    expiresAt: timestamp.optional(),
    channel: z.enum(CHANNELS),
    entitlements: entitlementsSchema,
  })
  .refine((c) => c.expiresAt === undefined || Date.parse(c.expiresAt) > Date.parse(c.issuedAt), {
    message: "must be after issuedAt",
    path: ["expiresAt"],
  });

export type LicenseClaims = z.infer<typeof claimsSchema>;
export type Entitlements = LicenseClaims["entitlements"];

export type ParsedClaims =
  | { ok: true; claims: LicenseClaims; unknownClaims: Record<string, unknown> }
  | { ok: false; message: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Claims outside the schema, flattened to dotted names (`entitlements.gpu`), so they can be shown but never used. */
export function unknownClaimsOf(payload: Record<string, unknown>): Record<string, unknown> {
  const unknown: Record<string, unknown> = {};
  const known = claimsSchema.shape;
  for (const [key, value] of Object.entries(payload)) {
    if (!(key in known)) unknown[key] = value;
  }
  const entitlements = payload.entitlements;
  if (isRecord(entitlements)) {
    for (const [key, value] of Object.entries(entitlements)) {
      if (!(key in entitlementsSchema.shape)) unknown[`entitlements.${key}`] = value;
    }
  }
  return unknown;
}

/** Validates a decoded payload; never throws. */
export function parseClaims(payload: unknown): ParsedClaims {
  if (!isRecord(payload)) return { ok: false, message: "license claims are not a JSON object" };
  const parsed = claimsSchema.safeParse(payload);
  if (!parsed.success) return { ok: false, message: describeIssue(parsed.error.issues[0], "license claim") };
  return { ok: true, claims: parsed.data, unknownClaims: unknownClaimsOf(payload) };
}
