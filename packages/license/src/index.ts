export {
  CHANNELS,
  type Channel,
  type Entitlements,
  EXPIRY_POLICIES,
  type ExpiryPolicy,
  FEATURES,
  type Feature,
  LICENSE_TYPE,
  type LicenseClaims,
} from "./claims";
export { LicenseClaimsError, LicenseKeyError, MAX_LICENSE_BYTES, oversizeMessage } from "./errors";
export { type IssuedLicense, type IssueInput, issueLicense } from "./issue";
export {
  generateSigningKey,
  type Jwks,
  LICENSE_ALG,
  loadTrustStore,
  type PrivateJwk,
  type PublicJwk,
  type SigningKeyPair,
  type TrustedKey,
  type TrustOptions,
  type TrustStore,
} from "./keys";
export { type BuildGate, CLOCK_TOLERANCE_MS, formatTime, GRACE_DAYS, type License, type TimeStatus } from "./license";
export {
  type Inspection,
  inspectLicense,
  type SignatureCheck,
  type VerifyOptions,
  type VerifyResult,
  type VerifyStatus,
  verifyLicense,
} from "./verify";
