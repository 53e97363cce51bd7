/**
 * A post-receive hook for a plain git server: for each pushed ref it POSTs `{ref, before, after}` to
 * the project's webhook URL, signed with HMAC-SHA256 (`X-Citadel-Signature-256: sha256=<hex>`).
 * Needs sh, openssl and curl on the git server. `CITADEL_CACERT` (optional, in the hook's environment
 * or set below) names a CA file for a Citadel certificate the server does not trust by default.
 */
export function postReceiveHookScript(webhookUrl: string, webhookSecret: string, options: { caCertPath?: string } = {}): string {
  const caLine = options.caCertPath ? `CITADEL_CACERT=${shellQuote(options.caCertPath)}\n` : "";
  return `#!/bin/sh
# Citadel post-receive hook: starts a pipeline for each pushed branch or tag.
CITADEL_URL=${shellQuote(webhookUrl)}
CITADEL_SECRET=${shellQuote(webhookSecret)}
${caLine}while read -r before after ref; do
  ref_json=$(printf '%s' "$ref" | sed 's/"/\\\\"/g')
  body=$(printf '{"ref":"%s","before":"%s","after":"%s"}' "$ref_json" "$before" "$after")
  signature=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$CITADEL_SECRET" | sed 's/^.* //')
  curl -sS --max-time 60 \${CITADEL_CACERT:+--cacert "$CITADEL_CACERT"} -X POST \\
    -H 'Content-Type: application/json' -H "X-Citadel-Signature-256: sha256=$signature" \\
    --data-binary "$body" "$CITADEL_URL" || echo "citadel: could not reach $CITADEL_URL" >&2
  echo
done
`;
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
