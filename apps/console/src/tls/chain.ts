import type { X509Certificate } from "node:crypto";
import type { TlsError } from "./types";
import { certificateName, formatDate, relativeDays, validityDates } from "./x509-text";

// Node's X509Certificate does the cryptography here: checkIssued (names and key identifiers) and
// verify(issuerPublicKey) (the signature) work for RSA and EC alike, where node-forge only verifies RSA.

/** Expired / not yet valid, for the leaf ("The certificate") or a chain element ("Certificate 2 in the chain (CN=…)"). */
export function checkValidity(cert: X509Certificate, now: Date, position: number): TlsError[] {
  const field = position === 1 ? "certificate" : "chain";
  const what = position === 1 ? "The certificate" : `Certificate ${position} in the chain (${certificateName(cert)})`;
  const dates = validityDates(cert);
  if (dates === undefined) {
    const code = position === 1 ? "certificate_invalid" : "chain_invalid";
    return [{ field, code, message: `${what} has validity dates that cannot be read.` }];
  }
  if (now.getTime() > dates.notAfter.getTime()) {
    const code = position === 1 ? "certificate_expired" : "chain_expired";
    const message = `${what} expired on ${formatDate(dates.notAfter)} (${relativeDays(dates.notAfter, now)}).`;
    return [{ field, code, message }];
  }
  if (now.getTime() < dates.notBefore.getTime()) {
    const code = position === 1 ? "certificate_not_yet_valid" : "chain_not_yet_valid";
    const message = `${what} is not valid until ${formatDate(dates.notBefore)} (${relativeDays(dates.notBefore, now)}); check the system clock or wait.`;
    return [{ field, code, message }];
  }
  return [];
}

function issued(issuer: X509Certificate, subject: X509Certificate): boolean {
  return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
}

/**
 * `certificates` is the leaf followed by its chain. Each certificate must be issued (named and signed) by the
 * next one, which must be a CA. Positions in messages count from 1 = the leaf. A chain that stops before a root
 * is fine (browsers hold the roots); an empty chain is fine (self-signed, or a CA the browser knows directly).
 */
export function checkChain(certificates: X509Certificate[]): TlsError[] {
  const errors: TlsError[] = [];
  for (let index = 0; index + 1 < certificates.length; index++) {
    const subject = certificates[index] as X509Certificate;
    const issuer = certificates[index + 1] as X509Certificate;
    const subjectLabel = `certificate ${index + 1} (${certificateName(subject)})`;
    const issuerLabel = `Certificate ${index + 2} in the chain (${certificateName(issuer)})`;
    if (!issued(issuer, subject)) {
      const realIssuer = certificates.findIndex((other, at) => at !== index && at !== index + 1 && issued(other, subject));
      if (realIssuer !== -1) {
        errors.push({
          field: "chain",
          code: "chain_out_of_order",
          message: `The chain is out of order: ${subjectLabel} was issued by certificate ${realIssuer + 1} (${certificateName(certificates[realIssuer] as X509Certificate)}), which must come directly after it, not ${certificateName(issuer)}.`,
        });
      } else {
        errors.push({
          field: "chain",
          code: "chain_broken_link",
          message: `${issuerLabel} did not issue ${subjectLabel}: ${certificateName(subject)} names ${issuerOf(subject)} as its issuer${whyNot(issuer, subject)}.`,
        });
      }
      return errors;
    }
    if (!issuer.ca) {
      errors.push({
        field: "chain",
        code: "chain_not_ca",
        message: `${issuerLabel} signed ${subjectLabel} but is not a CA certificate (basicConstraints CA:TRUE), so browsers reject the chain.`,
      });
      return errors;
    }
  }
  return errors;
}

/** When the names match, what else broke the link. */
function whyNot(issuer: X509Certificate, subject: X509Certificate): string {
  if (subject.issuer !== issuer.subject) return "";
  if (!subject.verify(issuer.publicKey)) return ", but the signature does not verify with that certificate's key";
  return ", and that key signed it, but its key usage or key identifier does not allow it to issue certificates";
}

function issuerOf(cert: X509Certificate): string {
  const commonName = cert.issuer.split("\n").find((part) => part.startsWith("CN="));
  return commonName ?? cert.issuer.split("\n").join(", ");
}
