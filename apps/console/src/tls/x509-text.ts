import type { X509Certificate } from "node:crypto";

/** "CN=a\nO=b" (Node's multi-line form) → "CN=a, O=b". */
export function distinguishedName(multiLine: string): string {
  return multiLine
    .split("\n")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .join(", ");
}

/** The shortest useful name for a certificate in a message: its CN when it has one, else its whole subject. */
export function certificateName(cert: X509Certificate): string {
  const commonName = cert.subject.split("\n").find((part) => part.startsWith("CN="));
  return commonName ?? (distinguishedName(cert.subject) || "an unnamed certificate");
}

/** "2026-01-01 00:00 UTC" */
export function formatDate(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

const DAY_MS = 86_400_000;

/** "3 days ago", "in 12 days" — whole days between two instants. */
export function relativeDays(date: Date, now: Date): string {
  const difference = date.getTime() - now.getTime();
  const days = Math.floor(Math.abs(difference) / DAY_MS);
  if (days === 0) return difference < 0 ? "less than a day ago" : "within a day";
  const count = `${days} day${days === 1 ? "" : "s"}`;
  return difference < 0 ? `${count} ago` : `in ${count}`;
}

/** Node renders validity as "Jan  1 00:00:00 2026 GMT", which V8's Date parses; an unparsable one is an invalid certificate. */
export function validityDates(cert: X509Certificate): { notBefore: Date; notAfter: Date } | undefined {
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) return undefined;
  return { notBefore, notAfter };
}

/**
 * The subject alternative names as plain values ("ci.example.com", "10.0.0.1"). Node lists them as
 * `DNS:a, IP Address:b`, quoting (JSON-style) any value that holds a comma or quote.
 */
export function subjectAltNames(cert: X509Certificate): string[] {
  const text = cert.subjectAltName;
  if (text === undefined || text === "") return [];
  const names: string[] = [];
  const entry = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/gy;
  for (let match = entry.exec(text); match !== null && match[0] !== ""; match = entry.exec(text)) {
    const raw = match[2] ?? "";
    if (match[1] === "DNS" || match[1] === "IP Address") names.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
  }
  return names;
}

/** Issued by itself: its issuer is its own subject and its own key verifies its signature. */
export function isSelfSigned(cert: X509Certificate): boolean {
  return cert.issuer === cert.subject && cert.verify(cert.publicKey);
}
