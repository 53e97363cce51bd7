/** The few GitHub REST calls following a repository needs, against github.com or an Enterprise server. */
export const GITHUB_API_URL = "https://api.github.com";

export class GitHubApiError extends Error {
  override name = "GitHubApiError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface GitHubRepository {
  fullName: string;
  sshUrl: string;
}

export class GitHubClient {
  constructor(
    private readonly apiUrl: string,
    private readonly accessToken: string,
  ) {}

  async repository(owner: string, repo: string): Promise<GitHubRepository> {
    const body = (await this.call("GET", `/repos/${owner}/${repo}`)) as { full_name?: string; ssh_url?: string };
    if (!body.full_name || !body.ssh_url)
      throw new GitHubApiError(502, "GitHub answered without the repository's name or SSH URL.");
    return { fullName: body.full_name, sshUrl: body.ssh_url };
  }

  /** A read-only deploy key (Citadel only ever fetches). */
  async createDeployKey(owner: string, repo: string, title: string, key: string): Promise<{ id: number }> {
    return (await this.call("POST", `/repos/${owner}/${repo}/keys`, { title, key, read_only: true })) as { id: number };
  }

  async deleteDeployKey(owner: string, repo: string, id: number): Promise<void> {
    await this.call("DELETE", `/repos/${owner}/${repo}/keys/${id}`);
  }

  /** A push webhook delivering JSON signed with the secret (X-Hub-Signature-256). */
  async createPushHook(owner: string, repo: string, url: string, secret: string): Promise<{ id: number }> {
    return (await this.call("POST", `/repos/${owner}/${repo}/hooks`, {
      name: "web",
      active: true,
      events: ["push"],
      config: { url, content_type: "json", secret, insecure_ssl: "0" },
    })) as { id: number };
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const url = `${this.apiUrl.replace(/\/$/, "")}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          Accept: "application/vnd.github+json",
          Authorization: `Bearer ${this.accessToken}`,
          "X-GitHub-Api-Version": "2022-11-28",
          "User-Agent": "Citadel",
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new GitHubApiError(502, `Cannot reach the GitHub API at ${this.apiUrl}: ${(error as Error).message}`);
    }
    const text = await response.text();
    if (!response.ok) throw new GitHubApiError(response.status, explain(response.status, method, path, text));
    return text ? JSON.parse(text) : {};
  }
}

function explain(status: number, method: string, path: string, text: string): string {
  let detail = "";
  try {
    const body = JSON.parse(text) as { message?: string; errors?: Array<{ message?: string }> };
    detail = [body.message, ...(body.errors ?? []).map((e) => e.message)].filter(Boolean).join(": ");
  } catch {
    detail = text.slice(0, 200);
  }
  if (status === 401) return "GitHub refused the access token (expired or revoked): sign in with GitHub again.";
  if (status === 403 || status === 404) {
    return `GitHub refused ${method} ${path} (${status}): the repository does not exist or your account cannot administer it.`;
  }
  return `GitHub refused ${method} ${path} (${status})${detail ? `: ${detail}` : ""}.`;
}
