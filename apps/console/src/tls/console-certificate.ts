import { mkdir, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { type CertificatePair, createSelfSignedCertificate } from "./self-signed";

/**
 * The console's own certificate: self-signed on first boot, kept in <data>/tls (key 0600)
 * so browsers that accepted it once keep accepting it across restarts.
 */
export async function loadOrCreateConsoleCertificate(dataDir: string, logger: Logger): Promise<CertificatePair> {
  const dir = join(dataDir, "tls");
  const certFile = join(dir, "console.crt");
  const keyFile = join(dir, "console.key");
  try {
    return { certPem: await readFile(certFile, "utf8"), keyPem: await readFile(keyFile, "utf8") };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const pair = createSelfSignedCertificate(["localhost", hostname(), "127.0.0.1", "::1"]);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(keyFile, pair.keyPem, { mode: 0o600 });
  await writeFile(certFile, pair.certPem);
  logger.info({ certFile }, "generated a self-signed certificate for the console");
  return pair;
}
