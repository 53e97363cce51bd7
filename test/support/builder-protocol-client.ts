// A real builder-protocol client over HTTPS (not a double): what apps/builder speaks, for tests and benchmarks.
import { Agent, request } from "node:https";
import type { TLSSocket } from "node:tls";
import {
  type ClaimRequest,
  claimResponseSchema,
  decodeJoinToken,
  type FinishRequest,
  type HeartbeatRequest,
  type HeartbeatResponse,
  heartbeatResponseSchema,
  type JobSpec,
  type LogChunk,
  protocolPaths,
  type RegisterRequest,
  registerResponseSchema,
  type StepEvent,
  tokenResponseSchema,
} from "@citadel/protocol";

export interface ProtocolResponse {
  status: number;
  body: unknown;
}

export class ProtocolError extends Error {
  override name = "ProtocolError";
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}: ${(body as { message?: string } | null)?.message ?? JSON.stringify(body)}`);
  }
}

const normalizeFingerprint = (fingerprint: string) => fingerprint.replaceAll(":", "").toLowerCase();

/**
 * Talks to the services box as a builder does: the certificate is accepted only when its SHA-256
 * fingerprint matches the one pinned from the join token (self-signed certificates work).
 */
export class BuilderProtocolClient {
  private readonly agent: Agent;
  private accessToken: { token: string; renewAt: number } | null = null;

  private constructor(
    readonly url: string,
    private readonly fingerprint: string,
    readonly builderId: string,
    private readonly credential: string,
  ) {
    this.agent = pinnedAgent();
  }

  /** Registers with a join token; refusals throw ProtocolError carrying the services box's message. */
  static async register(joinToken: string, info: Omit<RegisterRequest, "joinToken">): Promise<BuilderProtocolClient> {
    const { url, fingerprint } = decodeJoinToken(joinToken);
    const answer = await send({ agent: pinnedAgent(), url, fingerprint }, "POST", protocolPaths.register, { joinToken, ...info });
    if (answer.status !== 201) throw new ProtocolError(answer.status, answer.body);
    const registered = registerResponseSchema.parse(answer.body);
    return new BuilderProtocolClient(url, fingerprint, registered.builderId, registered.credential);
  }

  /** Any request, for malformed-input tests: `body` as a string is sent verbatim. */
  raw(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ProtocolResponse> {
    return send(this.connection(), method, path, body, headers);
  }

  async bearer(): Promise<string> {
    if (!this.accessToken || Date.now() >= this.accessToken.renewAt) {
      const answer = await send(this.connection(), "POST", protocolPaths.token, { credential: this.credential });
      if (answer.status !== 200) throw new ProtocolError(answer.status, answer.body);
      const token = tokenResponseSchema.parse(answer.body);
      this.accessToken = { token: token.accessToken, renewAt: Date.now() + (token.expiresInSeconds * 1000) / 2 };
    }
    return this.accessToken.token;
  }

  async claim(request: ClaimRequest): Promise<JobSpec | null> {
    const answer = await this.call("POST", protocolPaths.claim, request, await this.bearer());
    return claimResponseSchema.parse(answer).job;
  }

  async heartbeat(beat: HeartbeatRequest): Promise<HeartbeatResponse> {
    return heartbeatResponseSchema.parse(await this.call("POST", protocolPaths.heartbeat, beat, await this.bearer()));
  }

  async step(job: JobSpec, event: StepEvent): Promise<void> {
    await this.call("POST", protocolPaths.steps(job.jobId), event, job.jobToken);
  }

  async sendLogs(job: JobSpec, chunks: LogChunk[]): Promise<{ stored: number }> {
    return (await this.call("POST", protocolPaths.logs(job.jobId), { chunks }, job.jobToken)) as { stored: number };
  }

  /** Unlike the other calls, answers the 409 listing missing chunks instead of throwing. */
  async finish(job: JobSpec, finish: FinishRequest): Promise<ProtocolResponse> {
    const answer = await send(this.connection(), "POST", protocolPaths.finish(job.jobId), finish, {
      authorization: `Bearer ${job.jobToken}`,
    });
    if (answer.status !== 200 && answer.status !== 409) throw new ProtocolError(answer.status, answer.body);
    return answer;
  }

  close(): void {
    this.agent.destroy();
  }

  private connection() {
    return { agent: this.agent, url: this.url, fingerprint: this.fingerprint };
  }

  private async call(method: string, path: string, body: unknown, token: string): Promise<unknown> {
    const answer = await send(this.connection(), method, path, body, { authorization: `Bearer ${token}` });
    if (answer.status !== 200) throw new ProtocolError(answer.status, answer.body);
    return answer.body;
  }
}

const pinnedSockets = new WeakSet<object>();

function pinnedAgent(): Agent {
  // Chain validation is replaced by the fingerprint pin checked on every new connection.
  return new Agent({ keepAlive: true, rejectUnauthorized: false, maxSockets: 4 });
}

function send(
  connection: { agent: Agent; url: string; fingerprint: string },
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ProtocolResponse> {
  const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, connection.url),
      {
        method,
        agent: connection.agent,
        headers: { ...(payload === undefined ? {} : { "content-type": "application/json" }), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = text;
          try {
            parsed = text === "" ? null : JSON.parse(text);
          } catch {
            // Not JSON: the raw text is the body.
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on("error", reject);
      },
    );
    req.on("socket", (socket) => {
      // A kept-alive socket was checked when it connected.
      if (pinnedSockets.has(socket)) return;
      socket.once("secureConnect", () => {
        const seen = (socket as TLSSocket).getPeerCertificate().fingerprint256 ?? "";
        if (normalizeFingerprint(seen) !== normalizeFingerprint(connection.fingerprint)) {
          req.destroy(new Error(`services certificate fingerprint ${seen} does not match the pinned one`));
          return;
        }
        pinnedSockets.add(socket);
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}
