import type { IncomingMessage } from "node:http";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * State-changing requests must come from the console's own pages: the Origin header (or,
 * without one, Sec-Fetch-Site) must say same origin. SameSite=Strict cookies are the
 * second line of defence.
 */
export function isSameOriginOrSafe(req: IncomingMessage): boolean {
  if (SAFE_METHODS.has(req.method ?? "GET")) return true;
  const origin = req.headers.origin;
  if (origin) return origin === `https://${req.headers.host}`;
  return req.headers["sec-fetch-site"] === "same-origin";
}
