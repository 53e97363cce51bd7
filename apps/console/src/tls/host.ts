import type { X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { fail, type Step } from "./types";
import { subjectAltNames } from "./x509-text";

// The decision is Node's (OpenSSL's RFC 6125 matcher): SAN DNS names, the CN only when the certificate has no
// DNS SAN, a wildcard only as the whole leftmost label and covering exactly one label, IPs against IP SANs.
const HOST_OPTIONS = { subject: "default", wildcards: true, partialWildcards: false, multiLabelWildcards: false } as const;

/** "CI.Example.com." → "ci.example.com"; "[::1]" → "::1". */
export function normaliseHostname(hostname: string): string {
  return hostname
    .trim()
    .toLowerCase()
    .replace(/\.$/, "")
    .replace(/^\[(.*)\]$/, "$1");
}

/** Whether the leaf covers the hostname; when it does not, the message lists the names it does cover. */
export function checkHostname(leaf: X509Certificate, hostname: string): Step<true> {
  const host = normaliseHostname(hostname);
  const covered = isIP(host) !== 0 ? leaf.checkIP(host) !== undefined : leaf.checkHost(host, HOST_OPTIONS) !== undefined;
  if (covered) return { ok: true, value: true };
  const names = coveredNames(leaf);
  if (names.length === 0) {
    return fail(
      "certificate",
      "certificate_hostname_mismatch",
      `The certificate names no host (no subject alternative names and no common name), so it does not cover ${host}.`,
    );
  }
  return fail(
    "certificate",
    "certificate_hostname_mismatch",
    `The certificate covers ${names.join(", ")}, not ${host}.${wildcardHint(names, host)}`,
  );
}

/** The SANs, or the CN when there are none (what browsers would accept). */
function coveredNames(leaf: X509Certificate): string[] {
  const sans = subjectAltNames(leaf);
  if (sans.length > 0) return sans;
  const commonName = leaf.subject
    .split("\n")
    .find((part) => part.startsWith("CN="))
    ?.slice(3);
  return commonName ? [commonName] : [];
}

/** Explains the classic surprise: `*.example.com` does not cover `a.b.example.com`. */
function wildcardHint(names: string[], host: string): string {
  const deeper = names.find((name) => name.startsWith("*.") && host.endsWith(name.slice(1)) && host !== name.slice(2));
  if (deeper === undefined) return "";
  const oneLabel = `${host.split(".")[0]}${deeper.slice(1)}`;
  return ` A wildcard covers exactly one label: ${deeper} covers ${oneLabel} but not ${host}.`;
}
