import { generateKeyPairSync, randomBytes } from "node:crypto";

export interface DeployKeyPair {
  /** `ssh-ed25519 AAAA... comment`, for authorized_keys or a GitHub deploy key. */
  publicKey: string;
  /** OpenSSH private key file text (`-----BEGIN OPENSSH PRIVATE KEY-----`), unencrypted. */
  privateKey: string;
}

/**
 * A fresh ed25519 deploy key. node:crypto exports PKCS#8 only, which ssh accepts for ed25519 only when
 * built against a recent OpenSSL; we write the `openssh-key-v1` format ourselves (a few length-prefixed
 * fields) rather than shelling out to ssh-keygen, so the private key never touches the disk.
 */
export function generateDeployKey(comment: string): DeployKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  const pub = Buffer.from(publicKey.export({ format: "jwk" }).x ?? "", "base64url");
  const seed = Buffer.from(jwk.d ?? "", "base64url");
  if (pub.length !== 32 || seed.length !== 32) throw new Error("ed25519 key export returned an unexpected size");
  const publicBlob = Buffer.concat([sshString("ssh-ed25519"), sshString(pub)]);
  return {
    publicKey: `ssh-ed25519 ${publicBlob.toString("base64")} ${comment}`,
    privateKey: openSshPrivateKey(publicBlob, pub, seed, comment),
  };
}

function openSshPrivateKey(publicBlob: Buffer, pub: Buffer, seed: Buffer, comment: string): string {
  const check = randomBytes(4);
  const body = Buffer.concat([
    check,
    check,
    sshString("ssh-ed25519"),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(comment),
  ]);
  // Unencrypted keys are padded to the 8-byte "cipher" block with the bytes 1, 2, 3, ...
  const padLength = (8 - (body.length % 8)) % 8;
  const padding = Buffer.from(Array.from({ length: padLength }, (_, i) => i + 1));
  const blob = Buffer.concat([
    Buffer.from("openssh-key-v1\0", "latin1"),
    sshString("none"),
    sshString("none"),
    sshString(""),
    uint32(1),
    sshString(publicBlob),
    sshString(Buffer.concat([body, padding])),
  ]);
  const lines = blob.toString("base64").match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join("\n")}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

function sshString(value: string | Buffer): Buffer {
  const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
  return Buffer.concat([uint32(bytes.length), bytes]);
}

function uint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}

/** A webhook secret: 32 random bytes, hex. */
export function generateWebhookSecret(): string {
  return randomBytes(32).toString("hex");
}
