import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { FieldError } from "./errors";

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A DNS hostname (RFC 1123) or an IP address, lower-cased; throws FieldError otherwise. */
export function normalizeHostname(input: string): string {
  const hostname = input.trim().toLowerCase().replace(/\.$/, "");
  if (hostname === "") throw new FieldError("hostname", "Enter the hostname users will reach Citadel by.");
  if (isIP(hostname)) return hostname;
  if (hostname.length > 253 || !hostname.split(".").every((label) => LABEL.test(label))) {
    throw new FieldError(
      "hostname",
      `"${input.trim().slice(0, 80)}" is not a valid hostname (letters, digits and hyphens in dot-separated labels).`,
    );
  }
  return hostname;
}

export type Resolution = { resolved: true; addresses: string[] } | { resolved: false; message: string };

/** Whether this box can resolve the name; a failure is a warning (internal DNS may differ). */
export async function checkResolution(hostname: string): Promise<Resolution> {
  if (isIP(hostname)) return { resolved: true, addresses: [hostname] };
  try {
    const results = await lookup(hostname, { all: true });
    return { resolved: true, addresses: results.map((r) => r.address) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    return { resolved: false, message: `${hostname} does not resolve from this box (${code}); users' DNS must point it here.` };
  }
}
