import type { ClientRequest, IncomingMessage } from "node:http";
import { Agent, request } from "node:https";
import type { Readable } from "node:stream";
import type { TLSSocket } from "node:tls";
import { HttpsProxyAgent } from "https-proxy-agent";
import { getProxyForUrl } from "proxy-from-env";

export class PinMismatchError extends Error {
  override name = "PinMismatchError";
}

export class ServicesUnreachableError extends Error {
  override name = "ServicesUnreachableError";
}

/** What was being uploaded failed to read (e.g. the job's container went away): not a network fault. */
export class UploadSourceError extends Error {
  override name = "UploadSourceError";
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

  /** A JSON request; the whole answer is read as text. */
  async send(
    method: string,
    path: string,
    options: { body?: unknown; token?: string; timeoutMs?: number } = {},
  ): Promise<PinnedResponse> {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (payload !== undefined) {
      headers["Content-Type"] = "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    const res = await this.open(method, path, headers, options, (req) => req.end(payload));
    return { status: res.statusCode ?? 0, body: await readText(res) };
  }

  /** Streams `body` up (chunked); the JSON answer is read as text. */
  async upload(method: string, path: string, body: Readable, options: { token?: string; timeoutMs?: number } = {}) {
    const headers = { Accept: "application/json", "Content-Type": "application/octet-stream" };
    // Listening from the start: the body may fail while the connection and the pin check are under way.
    let failed: Error | null = null;
    let request: ClientRequest | null = null;
    body.once("error", (error) => {
      failed = error;
      request?.destroy(new UploadSourceError(error.message));
    });
    let res: IncomingMessage;
    try {
      res = await this.open(method, path, headers, options, (req) => {
        request = req;
        if (failed) req.destroy(new UploadSourceError(failed.message));
        else body.pipe(req);
      });
    } catch (error) {
      body.destroy();
      throw error;
    }
    // The services box may answer (a refusal) before it read everything: stop producing the rest.
    if (!body.readableEnded) body.destroy();
    return { status: res.statusCode ?? 0, body: await readText(res) };
  }

  /** The answer as a stream (status and headers first); the caller reads or destroys it. */
  download(path: string, options: { token?: string; timeoutMs?: number } = {}): Promise<IncomingMessage> {
    return this.open("GET", path, { Accept: "application/octet-stream" }, options, (req) => req.end());
  }

  private open(
    method: string,
    path: string,
    headers: Record<string, string>,
    options: { token?: string; timeoutMs?: number },
    writeBody: (req: ClientRequest) => void,
  ): Promise<IncomingMessage> {
    const url = new URL(path, this.baseUrl);
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    const timeoutMs = options.timeoutMs ?? 60_000;
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers, agent: this.agent, timeout: timeoutMs }, resolve);
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
          writeBody(req);
        };
        if (tls.getPeerCertificate()?.fingerprint256) verifyThenSend();
        else tls.once("secureConnect", verifyThenSend);
      });
      req.on("timeout", () => req.destroy(new ServicesUnreachableError(`no answer from ${url.origin} within ${timeoutMs} ms`)));
      req.on("error", (error: NodeJS.ErrnoException) => {
        if (error instanceof PinMismatchError || error instanceof ServicesUnreachableError || error instanceof UploadSourceError)
          reject(error);
        else
          reject(new ServicesUnreachableError(`cannot reach the services box at ${url.origin}: ${error.code ?? error.message}`));
      });
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export async function readText(res: IncomingMessage): Promise<string> {
  let text = "";
  res.setEncoding("utf8");
  for await (const chunk of res) text += chunk as string;
  return text;
}
