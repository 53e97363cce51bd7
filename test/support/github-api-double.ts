import { createServer, type Server } from "node:http";

/**
 * A GitHub REST API double on loopback (plain HTTP): the repository, deploy-key and hook endpoints
 * that following a repository uses. It checks the bearer token, records every call, and answers with
 * GitHub's shapes and status codes (401 bad credentials, 404 unknown repository, 422 duplicate key).
 */
export interface GitHubApiDouble {
  url: string;
  calls: RecordedCall[];
  /** Makes the next POST .../hooks fail with 422, to test cleanup. */
  failNextHook(): void;
  stop(): Promise<void>;
}

export interface RecordedCall {
  method: string;
  path: string;
  authorization: string | undefined;
  apiVersion: string | undefined;
  body: unknown;
}

export async function startGitHubApiDouble(options: { token: string; repositories: string[] }): Promise<GitHubApiDouble> {
  const calls: RecordedCall[] = [];
  const keys = new Map<number, string>();
  let nextId = 1000;
  let failHook = false;
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      raw += chunk;
    });
    req.on("end", () => {
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
      const path = req.url ?? "/";
      calls.push({
        method: req.method ?? "",
        path,
        authorization: req.headers.authorization,
        apiVersion: req.headers["x-github-api-version"] as string | undefined,
        body,
      });
      const answer = (status: number, value: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(value === undefined ? "" : JSON.stringify(value));
      };
      if (req.headers.authorization !== `Bearer ${options.token}`) {
        return answer(401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" });
      }
      const match = /^\/repos\/([^/]+)\/([^/]+)(\/keys|\/hooks)?(?:\/(\d+))?$/.exec(path);
      const fullName = match ? `${match[1]}/${match[2]}` : "";
      if (!match || !options.repositories.includes(fullName)) return answer(404, { message: "Not Found" });
      const [, , , collection, id] = match;
      if (req.method === "GET" && !collection) {
        return answer(200, { full_name: fullName, ssh_url: `git@github.example.test:${fullName}.git` });
      }
      if (req.method === "POST" && collection === "/keys") {
        const key = String(body?.key ?? "");
        if ([...keys.values()].includes(key))
          return answer(422, { message: "Validation Failed", errors: [{ message: "key is already in use" }] });
        const keyId = nextId++;
        keys.set(keyId, key);
        return answer(201, { id: keyId, key, title: body?.title, read_only: body?.read_only, verified: true });
      }
      if (req.method === "DELETE" && collection === "/keys" && id) {
        return keys.delete(Number(id)) ? answer(204, undefined) : answer(404, { message: "Not Found" });
      }
      if (req.method === "POST" && collection === "/hooks") {
        if (failHook) {
          failHook = false;
          return answer(422, { message: "Validation Failed", errors: [{ message: "Hook already exists on this repository" }] });
        }
        return answer(201, { id: nextId++, name: "web", active: true, events: body?.events, config: body?.config });
      }
      return answer(404, { message: "Not Found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    calls,
    failNextHook: () => {
      failHook = true;
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
