import { z } from "zod";

/** Join tokens read `citadel-join.<base64url JSON>`; the JSON names where to register and which certificate to pin. */
export const JOIN_TOKEN_PREFIX = "citadel-join.";

export const joinTokenPayloadSchema = z.object({
  v: z.literal(1),
  /** `https://host:port` of the services box. */
  url: z.url({ protocol: /^https$/ }),
  /** SHA-256 fingerprint of the services certificate (hex, colon-separated or not): the builder pins it. */
  fingerprint: z.string().min(32).max(200),
  /** The single-use secret; the services box stores only its SHA-256. */
  secret: z.string().min(32).max(200),
});
export type JoinTokenPayload = z.infer<typeof joinTokenPayloadSchema>;

export class JoinTokenFormatError extends Error {
  override name = "JoinTokenFormatError";
}

export function encodeJoinToken(payload: JoinTokenPayload): string {
  return JOIN_TOKEN_PREFIX + Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
}

export function decodeJoinToken(token: string): JoinTokenPayload {
  const trimmed = token.trim();
  if (!trimmed.startsWith(JOIN_TOKEN_PREFIX)) throw new JoinTokenFormatError(`a join token starts with "${JOIN_TOKEN_PREFIX}"`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(trimmed.slice(JOIN_TOKEN_PREFIX.length), "base64url").toString("utf8"));
  } catch (error) {
    throw new JoinTokenFormatError(`the join token is damaged (${(error as Error).name}); copy it again`);
  }
  const parsed = joinTokenPayloadSchema.safeParse(json);
  if (!parsed.success)
    throw new JoinTokenFormatError("the join token is damaged or from another Citadel version; create a new one");
  return parsed.data;
}
