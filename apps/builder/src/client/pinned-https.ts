import { Agent, request } from "node:https";
import type { TLSSocket } from "node:tls";
import { HttpsProxyAgent } from "https-proxy-agent";
import { getProxyForUrl } from "proxy-from-env";

export class PinMismatchError extends Error {
  override name = "PinMismatchError";
}

export class ServicesUnreachableError extends Error {
  override name = "ServicesUnreachableError";
}

/** Lower-case hex without colons: the form fingerprints are compared in. */
export function normalizeFingerprint(fingerprint: string): string {
  return fingerprint.replaceAll(":", "").toLowerCase();
}

export interface PinnedResponse {
  status: number;
  body: string;
}

/**
 * HTTPS to the services box trusting exactly one certificate: the one whose SHA-256 fingerprint
 * the join token carried. Chain validation is replaced by the pin (the services certificate may be
 * self-signed), and nothing — credentials included — is written before the pin is checked.
 * HTTPS_PROXY / NO_PROXY are honoured; the pin still holds through the proxy's CONNECT tunnel.
 */
export class PinnedHttpsClient {
  private readonly agent: Agent;
  private readonly pinned: string;

  constructor(
    readonly baseUrl: string,
    fingerprint: string,
  ) {
    this.pinned = normalizeFingerprint(fingerprint);
    const proxy = getProxyForUrl(baseUrl);
    this.agent = proxy
      ? (new HttpsProxyAgent(proxy, { keepAlive: true, rejectUnauthorized: false }) as unknown as Agent)
      : // No TLS session resumption: a resumed session may not carry the peer certificate to check the pin against.
        new Agent({ keepAlive: true, rejectUnauthorized: false, maxCachedSessions: 0 });
  }

  send(
    method: string,
    path: string,
    options: { body?: unknown; token?: string; timeoutMs?: number } = {},
  ): Promise<PinnedResponse> {
    const url = new URL(path, this.baseUrl);
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (payload !== undefined) {
      headers["Content-Type"] = "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers, agent: this.agent, timeout: options.timeoutMs ?? 60_000 }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on("error", reject);
      });
      req.on("socket", (socket) => {
        const tls = socket as TLSSocket;
        const verifyThenSend = () => {
          const seen = tls.getPeerCertificate()?.fingerprint256;
          if (!seen || normalizeFingerprint(seen) !== this.pinned) {
            req.destroy(
              new PinMismatchError(
                `the services box at ${this.baseUrl} presented a certificate (SHA-256 ${seen ?? "none"}) other than the pinned one; refusing to talk to it`,
              ),
            );
            return;
          }
          req.end(payload);
        };
        if (tls.getPeerCertificate()?.fingerprint256) verifyThenSend();
        else tls.once("secureConnect", verifyThenSend);
      });
      req.on("timeout", () =>
        req.destroy(new ServicesUnreachableError(`no answer from ${url.origin} within ${options.timeoutMs ?? 60_000} ms`)),
      );
      req.on("error", (error: NodeJS.ErrnoException) => {
        if (error instanceof PinMismatchError || error instanceof ServicesUnreachableError) reject(error);
        else
          reject(new ServicesUnreachableError(`cannot reach the services box at ${url.origin}: ${error.code ?? error.message}`));
      });
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
