import type { ServerResponse } from "node:http";

const BASE_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

/** Sent on every console response: the console is only ever served over HTTPS. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
  "Content-Security-Policy": `${BASE_CSP}; script-src 'self'`,
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

/** Pages get a per-request nonce: only scripts Next.js marks with it may run. */
export function cspWithNonce(nonce: string): string {
  return `${BASE_CSP}; script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`;
}

export function applySecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}
