import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateSigningKey, type IssueInput, issueLicense } from "@citadel/license";

/** A test vendor key (trusted through CITADEL_LICENSE_PUBKEYS) and a license it signed. */
export async function testLicense(dir: string, input: Partial<IssueInput> = {}) {
  const key = await generateSigningKey("test-vendor");
  const jwksFile = join(dir, "test-vendor.jwks.json");
  await writeFile(jwksFile, JSON.stringify(key.jwks));
  const { token } = await issueLicense(key.privateJwk, { customer: "Acme Corp", maxBuilders: 5, maxUsers: 50, ...input });
  const licenseFile = join(dir, "acme.license");
  await writeFile(licenseFile, `${token}\n`);
  return { jwksFile, licenseFile, token };
}
