import { readFile } from "node:fs/promises";
import { activeCertificate } from "@citadel/db";
import { z } from "zod";
import type { AppContext } from "../app-context";
import { adminPasswordIsSet, setAdminPassword } from "./auth";
import { FieldError, FieldErrors } from "./errors";
import { markPreflightPassed, setHostname, setLicense, setSourceControl, setTls, startServices, type TlsInput } from "./install";
import { passwordProblem } from "./passwords";
import { runAppliancePreflight } from "./preflight";

const bootstrapSchema = z.strictObject({
  hostname: z.string().min(1, "hostname is required"),
  adminPassword: z.string().min(1, "adminPassword is required"),
  tls: z.discriminatedUnion("mode", [
    z.strictObject({ mode: z.literal("self-signed") }),
    z.strictObject({
      mode: z.literal("key-cert"),
      certFile: z.string().min(1),
      keyFile: z.string().min(1),
      chainFile: z.string().min(1).optional(),
    }),
  ]),
  licenseFile: z.string().min(1, "licenseFile is required"),
  sourceControl: z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("git-ssh") }),
    z.strictObject({ kind: z.literal("github"), clientId: z.string(), clientSecret: z.string() }),
    z.strictObject({ kind: z.literal("github-enterprise"), apiUrl: z.string(), clientId: z.string(), clientSecret: z.string() }),
  ]),
});

export class HeadlessInstallError extends Error {
  override name = "HeadlessInstallError";
}

async function readInput(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new HeadlessInstallError(`CITADEL_BOOTSTRAP: cannot read ${what} ${path} (${(error as NodeJS.ErrnoException).code})`);
  }
}

/**
 * Runs the wizard's steps from a JSON file, with the wizard's validation and messages.
 * Everything is written in one transaction: on any failure nothing is stored.
 */
export async function runHeadlessInstall(app: AppContext, file: string): Promise<"installed" | "already-installed"> {
  if (await adminPasswordIsSet(app.db)) return "already-installed";
  let raw: unknown;
  try {
    raw = JSON.parse(await readInput(file, "the bootstrap file"));
  } catch (error) {
    if (error instanceof HeadlessInstallError) throw error;
    throw new HeadlessInstallError(`CITADEL_BOOTSTRAP: ${file} is not valid JSON`);
  }
  const parsed = bootstrapSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(top level)"}: ${i.message}`);
    throw new HeadlessInstallError(`CITADEL_BOOTSTRAP: ${issues.join("; ")}`);
  }
  const input = parsed.data;
  const weak = passwordProblem(input.adminPassword);
  if (weak) throw new HeadlessInstallError(`CITADEL_BOOTSTRAP: adminPassword: ${weak}`);
  const tls: TlsInput =
    input.tls.mode === "self-signed"
      ? { mode: "self-signed" }
      : {
          mode: "pem",
          certificatePem: await readInput(input.tls.certFile, "certFile"),
          privateKeyPem: await readInput(input.tls.keyFile, "keyFile"),
          chainPem: input.tls.chainFile ? await readInput(input.tls.chainFile, "chainFile") : undefined,
        };
  const license = await readInput(input.licenseFile, "licenseFile");

  const by = { actor: "bootstrap-file", ip: null };
  try {
    await app.db.transaction(async (tx) => {
      const scoped: AppContext = { ...app, db: tx, applyConsoleCertificate: () => undefined };
      await setHostname(scoped, input.hostname, by);
      await setTls(scoped, tls, by);
      await setLicense(scoped, license, by);
      await setSourceControl(scoped, input.sourceControl, by);
      const preflight = await runAppliancePreflight(scoped);
      const failed = preflight.results.filter((r) => r.status === "fail");
      if (failed.length > 0) {
        throw new HeadlessInstallError(`preflight failed: ${failed.map((r) => `${r.title}: ${r.reason}`).join("; ")}`);
      }
      await markPreflightPassed(scoped);
      await setAdminPassword(tx, app.keyring, { newPassword: input.adminPassword, actor: "bootstrap-file", ip: null });
    });
  } catch (error) {
    if (error instanceof FieldErrors || error instanceof FieldError)
      throw new HeadlessInstallError(`CITADEL_BOOTSTRAP: ${error.message}`);
    throw error;
  }
  // Committed: now the live parts (certificate on the listener, the services box).
  const active = await activeCertificate(app.db, app.keyring);
  if (active) app.applyConsoleCertificate(active);
  await startServices(app, by);
  return "installed";
}
