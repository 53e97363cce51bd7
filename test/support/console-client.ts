import { request } from "node:https";

export interface TrpcResult<T = unknown> {
  status: number;
  data?: T;
  error?: { message: string; data?: { code?: string; fieldErrors?: Array<{ field: string; message: string }> | null } };
  setCookie: string[];
}

/**
 * A minimal tRPC-over-HTTPS client for tests: keeps the session cookie, sends the Origin
 * header the console requires for mutations, and trusts exactly the given CA.
 */
export class ConsoleClient {
  private cookie = "";

  constructor(
    readonly port: number,
    public ca: string | string[],
  ) {}

  query<T>(path: string, input?: unknown): Promise<TrpcResult<T>> {
    const qs = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    return this.send<T>("GET", `/api/trpc/${path}${qs}`);
  }

  mutate<T>(path: string, input?: unknown, origin = `https://localhost:${this.port}`): Promise<TrpcResult<T>> {
    return this.send<T>("POST", `/api/trpc/${path}`, input === undefined ? "" : JSON.stringify(input), origin);
  }

  private send<T>(method: string, path: string, body = "", origin?: string): Promise<TrpcResult<T>> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { "Content-Type": "application/json" };
      if (this.cookie) headers.Cookie = this.cookie;
      if (origin) headers.Origin = origin;
      const req = request({ host: "localhost", port: this.port, path, method, ca: this.ca, headers, timeout: 60_000 }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => {
          const setCookie = res.headers["set-cookie"] ?? [];
          for (const cookie of setCookie) {
            const pair = cookie.split(";")[0] ?? "";
            this.cookie = pair.endsWith("=") ? "" : pair;
          }
          let parsed: { result?: { data?: T }; error?: TrpcResult["error"]; message?: string } = {};
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = { message: text };
          }
          resolve({
            status: res.statusCode ?? 0,
            data: parsed.result?.data,
            error: parsed.error ?? (parsed.message ? { message: parsed.message } : undefined),
            setCookie,
          });
        });
      });
      req.on("timeout", () => req.destroy(new Error(`timed out: ${method} ${path}`)));
      req.on("error", reject);
      req.end(body);
    });
  }
}
