import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";

export class KeyringError extends Error {
  override name = "KeyringError";
}

const keyringFileSchema = z.object({
  current: z.number().int().positive(),
  keys: z.array(z.object({ version: z.number().int().positive(), key: z.string(), createdAt: z.string() })).min(1),
});
type KeyringFile = z.infer<typeof keyringFileSchema>;

/** Ciphertexts look like `v<version>:<iv>:<tag>:<data>` (base64url parts): they name their key. */
const CIPHERTEXT = /^v(\d+):([\w-]+):([\w-]+):([\w-]*)$/;

export function keyringPath(dataDir: string): string {
  return join(dataDir, "keys", "keyring.json");
}

/**
 * The master keyring: versioned AES-256-GCM keys kept 0600 in the data dir. Encryption
 * always uses the current version; decryption uses the version the ciphertext names, so
 * rotation can add a key and re-encrypt at leisure.
 */
export class Keyring {
  private constructor(
    private readonly file: string,
    private state: KeyringFile,
  ) {}

  static async load(dataDir: string): Promise<Keyring> {
    const file = keyringPath(dataDir);
    let raw: string;
    try {
      raw = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new KeyringError(`the master keyring ${file} is missing`);
      throw error;
    }
    const parsed = keyringFileSchema.safeParse(JSON.parse(raw));
    if (!parsed.success || !parsed.data.keys.some((k) => k.version === parsed.data.current)) {
      throw new KeyringError(`the master keyring ${file} is damaged`);
    }
    return new Keyring(file, parsed.data);
  }

  /** Loads the keyring, creating it on first use (first boot of an appliance). */
  static async loadOrCreate(dataDir: string): Promise<Keyring> {
    const file = keyringPath(dataDir);
    if (existsSync(file)) return Keyring.load(dataDir);
    const keyring = new Keyring(file, { current: 1, keys: [newKey(1)] });
    await keyring.save();
    return keyring;
  }

  static exists(dataDir: string): boolean {
    return existsSync(keyringPath(dataDir));
  }

  get currentVersion(): number {
    return this.state.current;
  }

  encrypt(plaintext: string): string {
    const version = this.state.current;
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.keyFor(version), iv);
    const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return `v${version}:${iv.toString("base64url")}:${cipher.getAuthTag().toString("base64url")}:${data.toString("base64url")}`;
  }

  decrypt(ciphertext: string): string {
    const match = CIPHERTEXT.exec(ciphertext);
    if (!match) throw new KeyringError("an encrypted value is malformed");
    const [, version, iv, tag, data] = match as unknown as [string, string, string, string, string];
    const decipher = createDecipheriv("aes-256-gcm", this.keyFor(Number(version)), Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    try {
      return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
    } catch {
      throw new KeyringError(`an encrypted value failed its integrity check (key version ${version})`);
    }
  }

  /** The key version a ciphertext was made with (to find values to re-encrypt after rotation). */
  static versionOf(ciphertext: string): number | null {
    const match = CIPHERTEXT.exec(ciphertext);
    return match ? Number(match[1]) : null;
  }

  /** Adds a new current key version; older versions stay for decryption. */
  async rotate(): Promise<number> {
    const version = Math.max(...this.state.keys.map((k) => k.version)) + 1;
    this.state = { current: version, keys: [...this.state.keys, newKey(version)] };
    await this.save();
    return version;
  }

  private keyFor(version: number): Buffer {
    let entry = this.state.keys.find((k) => k.version === version);
    if (!entry) {
      // `citadel keys rotate` may have added versions since this process loaded the file.
      this.reload();
      entry = this.state.keys.find((k) => k.version === version);
    }
    if (!entry) throw new KeyringError(`key version ${version} is not in the keyring`);
    return Buffer.from(entry.key, "base64");
  }

  private reload(): void {
    const parsed = keyringFileSchema.safeParse(JSON.parse(readFileSync(this.file, "utf8")));
    if (parsed.success && parsed.data.keys.some((k) => k.version === parsed.data.current)) this.state = parsed.data;
  }

  private async save(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.tmp`;
    await writeFile(temp, JSON.stringify(this.state, null, 2), { mode: 0o600 });
    await chmod(temp, 0o600);
    await rename(temp, this.file); // atomic: a crash never leaves half a keyring
  }
}

function newKey(version: number) {
  return { version, key: randomBytes(32).toString("base64"), createdAt: new Date().toISOString() };
}
