import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";

/** What a registered builder keeps: the only state on a builder box. */
const storedCredentialSchema = z.object({
  servicesUrl: z.string(),
  fingerprint: z.string(),
  builderId: z.string(),
  credential: z.string(),
});
export type StoredCredential = z.infer<typeof storedCredentialSchema>;

export function credentialPath(dataDir: string): string {
  return join(dataDir, "credential.json");
}

export async function readCredential(dataDir: string): Promise<StoredCredential | null> {
  let text: string;
  try {
    text = await readFile(credentialPath(dataDir), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const parsed = storedCredentialSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(`${credentialPath(dataDir)} is damaged; remove it and register again with a new join token`);
  return parsed.data;
}

/** Written atomically, 0600, in a 0700 directory. */
export async function writeCredential(dataDir: string, value: StoredCredential): Promise<void> {
  const file = credentialPath(dataDir);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(`${file}.tmp`, JSON.stringify(value, null, 2), { mode: 0o600 });
  await chmod(`${file}.tmp`, 0o600);
  await rename(`${file}.tmp`, file);
}
