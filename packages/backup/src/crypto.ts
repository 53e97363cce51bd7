import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import * as openpgp from "openpgp";
import { BackupError } from "./errors";

/** How an archive is sealed: a passphrase, or an admin's OpenPGP public key (armored). */
export type Sealing = { passphrase: string } | { recipientKey: string };
/** How an archive is opened: the passphrase, or the matching private key (armored, unprotected or with its passphrase). */
export type Unsealing = { passphrase: string } | { privateKey: string; keyPassphrase?: string };

/** Encrypts a byte stream; AEAD (SEIPDv2) so each chunk is authenticated as it streams. */
export async function encryptStream(plain: Readable, sealing: Sealing): Promise<Readable> {
  const message = await openpgp.createMessage({ binary: toWebStream(plain) });
  const config = { aeadProtect: true };
  const encrypted =
    "passphrase" in sealing
      ? await openpgp.encrypt({ message, passwords: [sealing.passphrase], format: "binary", config })
      : await openpgp.encrypt({ message, encryptionKeys: await readPublicKey(sealing.recipientKey), format: "binary", config });
  return Readable.fromWeb(encrypted as unknown as WebReadableStream<Uint8Array>);
}

/**
 * Decrypts a byte stream. Plaintext is released as it streams (never buffered whole);
 * tampering or truncation surfaces as an error at the end of the stream, which is why
 * restore verifies a full pass before it changes anything and runs in a transaction.
 */
export async function decryptStream(sealed: Readable, unsealing: Unsealing): Promise<Readable> {
  let message: openpgp.Message<ReadableStream<Uint8Array>>;
  try {
    message = await openpgp.readMessage({ binaryMessage: toWebStream(sealed) });
  } catch (error) {
    throw describeOpenpgpError(error);
  }
  const config = { allowUnauthenticatedStream: true };
  try {
    const result =
      "passphrase" in unsealing
        ? await openpgp.decrypt({ message, passwords: [unsealing.passphrase], format: "binary", config })
        : await openpgp.decrypt({ message, decryptionKeys: await readPrivateKey(unsealing), format: "binary", config });
    const plain = Readable.fromWeb(result.data as unknown as WebReadableStream<Uint8Array>);
    return plain;
  } catch (error) {
    throw describeOpenpgpError(error);
  }
}

async function readPublicKey(armored: string): Promise<openpgp.PublicKey> {
  try {
    return await openpgp.readKey({ armoredKey: armored });
  } catch (error) {
    throw new BackupError(`the recipient key is not an OpenPGP public key (${firstLine(error)})`);
  }
}

async function readPrivateKey(unsealing: { privateKey: string; keyPassphrase?: string }): Promise<openpgp.PrivateKey> {
  let key: openpgp.PrivateKey;
  try {
    key = await openpgp.readPrivateKey({ armoredKey: unsealing.privateKey });
  } catch (error) {
    throw new BackupError(`the key is not an OpenPGP private key (${firstLine(error)})`);
  }
  if (key.isDecrypted()) return key;
  if (unsealing.keyPassphrase === undefined) throw new BackupError("the private key is protected by a passphrase; give it too");
  try {
    return await openpgp.decryptKey({ privateKey: key, passphrase: unsealing.keyPassphrase });
  } catch (error) {
    throw new BackupError(`the private key's passphrase is wrong (${firstLine(error)})`);
  }
}

/** OpenPGP errors as the one line the admin reads. */
export function describeOpenpgpError(error: unknown): BackupError {
  if (error instanceof BackupError) return error;
  const text = firstLine(error);
  if (/session key decryption failed|decryption key.*not|no.*decryption key|not.*decrypt.*key/i.test(text)) {
    return new BackupError("cannot decrypt the backup: wrong passphrase or key");
  }
  if (/modification detected|authentication tag|integrity|mdc|tag mismatch|unsupported state/i.test(text)) {
    return new BackupError("the backup is damaged or was tampered with (OpenPGP integrity check failed)");
  }
  if (/end of|truncat|unexpected|premature|not enough/i.test(text)) {
    return new BackupError("the backup is truncated (the file ends early)");
  }
  return new BackupError(`the backup cannot be read: ${text}`);
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}

/**
 * A pull-based web stream over a Node stream: one chunk per pull, so backpressure reaches the
 * source. (Readable.toWeb stalled at the end of public-key encryption on Node 20.)
 */
function toWebStream(readable: Readable): ReadableStream<Uint8Array> {
  const iterator = readable[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    },
    cancel(reason) {
      readable.destroy(reason instanceof Error ? reason : undefined);
    },
  });
}
