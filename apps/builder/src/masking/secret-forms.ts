/**
 * The forms in which a secret can reach a log, each of which the masker replaces.
 */

/** Values shorter than this are not masked: masking "a" or "true" would shred every log line. */
export const MIN_SECRET_LENGTH = 4;

/**
 * Every form of one secret worth masking (deduplicated), or none when the secret is too short:
 * - the value itself (a multi-line value as it is, newlines included);
 * - JSON-escaped (JSON.stringify without its quotes) and URL-encoded (encodeURIComponent);
 * - base64 and base64url of its UTF-8 bytes at the three alignments in which it can sit inside a longer
 *   base64 stream: only the characters that depend on the secret's bytes alone (not on its neighbours)
 *   are kept, so `base64(anything + secret + anything)` contains one of them.
 */
export function secretForms(secret: string): string[] {
  if (secret.length < MIN_SECRET_LENGTH) return [];
  const forms = new Set<string>([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
  const bytes = Buffer.from(secret, "utf8");
  for (let offset = 0; offset < 3; offset++) {
    const inner = stableBase64(bytes, offset);
    if (inner.length >= MIN_SECRET_LENGTH) {
      forms.add(inner);
      forms.add(inner.replaceAll("+", "-").replaceAll("/", "_"));
    }
  }
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/** The base64 characters fully determined by `bytes` when they start `offset` bytes into a stream. */
function stableBase64(bytes: Buffer, offset: number): string {
  const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
  const firstBit = offset * 8;
  const endBit = firstBit + bytes.length * 8;
  // Character i carries bits [6i, 6i + 6): keep those lying wholly inside the secret's bits.
  return encoded.slice(Math.ceil(firstBit / 6), Math.floor(endBit / 6));
}
