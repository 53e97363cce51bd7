import { activateCertificate, activeCertificate } from "@citadel/db";
import { verifyLicense } from "@citadel/license";
import type { AppContext } from "../app-context";
import { createSelfSignedBundle, type TlsMaterial, type TlsValidationResult, validateTlsBundle } from "../tls/validate";
import { recordAudit } from "./audit";
import { FieldError, FieldErrors, StateError } from "./errors";
import { checkResolution, normalizeHostname, type Resolution } from "./hostname";
import { getSetting, putSetting, type SettingValues, WIZARD_STEPS, type WizardStep } from "./settings";

export interface Actor {
  actor: string;
  ip: string | null;
}

export async function wizardState(app: AppContext) {
  const wizard = (await getSetting(app.db, "wizard")) ?? { completed: [], started: false };
  const next = WIZARD_STEPS.find((step) => !wizard.completed.includes(step)) ?? "review";
  return { completed: wizard.completed, started: wizard.started, next };
}

async function completeStep(app: AppContext, step: WizardStep): Promise<void> {
  const wizard = (await getSetting(app.db, "wizard")) ?? { completed: [], started: false };
  if (!wizard.completed.includes(step)) {
    await putSetting(app.db, "wizard", { ...wizard, completed: [...wizard.completed, step] });
  }
}

async function requireHostname(app: AppContext): Promise<string> {
  const stored = await getSetting(app.db, "hostname");
  if (!stored) throw new StateError("Set the hostname first: the certificate must cover it.");
  return stored.hostname;
}

export async function setHostname(app: AppContext, input: string, by: Actor): Promise<Resolution & { hostname: string }> {
  const hostname = normalizeHostname(input);
  const resolution = await checkResolution(hostname);
  const previous = await getSetting(app.db, "hostname");
  await putSetting(app.db, "hostname", { hostname });
  await completeStep(app, "hostname");
  await recordAudit(app.db, { ...by, action: "settings.hostname", details: { from: previous?.hostname ?? null, to: hostname } });
  return { hostname, ...resolution };
}

export type TlsInput =
  | { mode: "self-signed" }
  | { mode: "pem"; certificatePem: string; chainPem?: string | undefined; privateKeyPem: string }
  | { mode: "pkcs12"; pkcs12Base64: string; password: string };

function validate(input: TlsInput, hostname: string): TlsValidationResult {
  if (input.mode === "self-signed") return createSelfSignedBundle(hostname);
  const material: TlsMaterial =
    input.mode === "pem"
      ? {
          kind: "pem",
          certificatePem: input.certificatePem,
          privateKeyPem: input.privateKeyPem,
          ...(input.chainPem ? { chainPem: input.chainPem } : {}),
        }
      : { kind: "pkcs12", pkcs12: Buffer.from(input.pkcs12Base64, "base64"), password: input.password };
  return validateTlsBundle({ ...material, hostname, now: new Date() });
}

/** Validates and activates a certificate; swaps it live on the console (services reload on notify). */
export async function setTls(app: AppContext, input: TlsInput, by: Actor) {
  const hostname = await requireHostname(app);
  const result = validate(input, hostname);
  if (!result.ok) throw new FieldErrors(result.errors.map((e) => ({ field: e.field, message: e.message })));
  const bundle = result.bundle;
  await activateCertificate(app.db, app.keyring, bundle);
  const active = await activeCertificate(app.db, app.keyring);
  if (active) app.applyConsoleCertificate(active);
  await completeStep(app, "tls");
  await recordAudit(app.db, {
    ...by,
    action: "tls.uploaded",
    details: { mode: input.mode, fingerprint: bundle.fingerprintSha256, notAfter: bundle.notAfter.toISOString() },
  });
  return {
    fingerprintSha256: bundle.fingerprintSha256,
    notAfter: bundle.notAfter,
    sans: bundle.sans,
    selfSigned: bundle.selfSigned,
  };
}

export async function setLicense(app: AppContext, token: string, by: Actor) {
  const result = await verifyLicense(token, app.trust);
  if (result.status !== "valid") throw new FieldError("license", result.message);
  await putSetting(app.db, "license", { token: token.trim(), uploadedAt: new Date().toISOString() });
  await completeStep(app, "license");
  await recordAudit(app.db, {
    ...by,
    action: "license.uploaded",
    details: { licenseId: result.license.id, customer: result.license.customer },
  });
  return result.license;
}

export type SourceControlInput =
  | { kind: "github"; clientId: string; clientSecret: string }
  | { kind: "github-enterprise"; apiUrl: string; clientId: string; clientSecret: string }
  | { kind: "git-ssh" };

export async function setSourceControl(app: AppContext, input: SourceControlInput, by: Actor): Promise<void> {
  let value: SettingValues["sourceControl"];
  if (input.kind === "git-ssh") {
    value = { kind: "git-ssh" };
  } else {
    if (!input.clientId.trim()) throw new FieldError("clientId", "Enter the OAuth app's client id.");
    if (!input.clientSecret.trim()) throw new FieldError("clientSecret", "Enter the OAuth app's client secret.");
    const clientSecretEncrypted = app.keyring.encrypt(input.clientSecret.trim());
    if (input.kind === "github") {
      value = { kind: "github", clientId: input.clientId.trim(), clientSecretEncrypted };
    } else {
      const apiUrl = parseApiUrl(input.apiUrl);
      value = { kind: "github-enterprise", apiUrl, clientId: input.clientId.trim(), clientSecretEncrypted };
    }
  }
  await putSetting(app.db, "sourceControl", value);
  await completeStep(app, "sourceControl");
  await recordAudit(app.db, { ...by, action: "settings.sourceControl", details: { kind: input.kind } });
}

function parseApiUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new FieldError("apiUrl", "The API URL is not a URL (expected https://github.example.com/api/v3).");
  }
  if (url.protocol !== "https:") throw new FieldError("apiUrl", "The API URL must use https://.");
  return url.toString().replace(/\/$/, "");
}

/** The public view of the source control setting: never the secret. */
export async function sourceControlView(app: AppContext) {
  const value = await getSetting(app.db, "sourceControl");
  if (!value) return null;
  const hostname = (await getSetting(app.db, "hostname"))?.hostname ?? "HOST";
  if (value.kind === "git-ssh") return { kind: value.kind };
  return {
    kind: value.kind,
    clientId: value.clientId,
    apiUrl: value.kind === "github-enterprise" ? value.apiUrl : "https://api.github.com",
    callbackUrl: `https://${hostname}/auth/github`,
    clientSecretSet: true,
  };
}

export async function markPreflightPassed(app: AppContext): Promise<void> {
  await completeStep(app, "preflight");
}

export async function startServices(app: AppContext, by: Actor): Promise<void> {
  const state = await wizardState(app);
  const missing = WIZARD_STEPS.filter((step) => !state.completed.includes(step));
  if (missing.length > 0) throw new StateError(`Finish these steps before starting: ${missing.join(", ")}.`);
  const wizard = (await getSetting(app.db, "wizard")) ?? { completed: [], started: false };
  await putSetting(app.db, "wizard", { ...wizard, started: true });
  await recordAudit(app.db, { ...by, action: "services.start" });
  await app.supervisor.start();
}

export async function stopServices(app: AppContext, by: Actor): Promise<void> {
  const wizard = await getSetting(app.db, "wizard");
  if (wizard) await putSetting(app.db, "wizard", { ...wizard, started: false });
  await recordAudit(app.db, { ...by, action: "services.stop" });
  await app.supervisor.stop();
}
