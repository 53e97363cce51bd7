import { readFile } from "node:fs/promises";
import type { Sealing, Unsealing } from "@citadel/backup";

/** A passphrase file's first line (trailing newline and spaces dropped), refused when empty. */
export async function readPassphraseFile(path: string): Promise<string> {
  const passphrase = (await readFile(path, "utf8")).split("\n")[0]?.trimEnd() ?? "";
  if (passphrase.length === 0) throw new Error(`the passphrase file ${path} is empty`);
  return passphrase;
}

export async function sealingFrom(options: { passphraseFile?: string; recipientFile?: string }): Promise<Sealing> {
  if (options.recipientFile) return { recipientKey: await readFile(options.recipientFile, "utf8") };
  if (options.passphraseFile) return { passphrase: await readPassphraseFile(options.passphraseFile) };
  throw new Error("give --passphrase-file or --recipient");
}

export async function unsealingFrom(options: { passphraseFile?: string; keyFile?: string }): Promise<Unsealing> {
  if (options.keyFile) return { privateKey: await readFile(options.keyFile, "utf8") };
  if (options.passphraseFile) return { passphrase: await readPassphraseFile(options.passphraseFile) };
  throw new Error("give --passphrase-file or --key");
}
