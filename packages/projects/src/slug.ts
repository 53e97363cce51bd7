/** A project slug: `gh/ORG/REPO` (GitHub.com or Enterprise) or `git/ORG/REPO` (plain Git over SSH). */
export interface ProjectSlug {
  vcs: "github" | "git";
  org: string;
  repo: string;
  slug: string;
}

export class InvalidSlugError extends Error {
  override name = "InvalidSlugError";
}

// GitHub's own rules: owners are alphanumerics and single hyphens (≤ 39); repositories alphanumerics,
// `.`, `-`, `_` (≤ 100) but never `.` or `..` alone. Plain git uses the same set so slugs are URL-safe.
const ORG = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;

export function parseProjectSlug(input: string): ProjectSlug {
  const parts = input.split("/");
  const [prefix, org, repo] = parts;
  if (parts.length !== 3 || !prefix || org === undefined || repo === undefined) {
    throw new InvalidSlugError(`Invalid project slug "${input}": expected gh/ORG/REPO or git/ORG/REPO.`);
  }
  const vcs = prefix === "gh" ? "github" : prefix === "git" ? "git" : null;
  if (!vcs) throw new InvalidSlugError(`Invalid project slug "${input}": it must start with gh/ or git/.`);
  if (!ORG.test(org)) {
    throw new InvalidSlugError(`Invalid project slug "${input}": the organization may hold letters, digits and single hyphens.`);
  }
  if (!REPO.test(repo) || repo === "." || repo === ".." || repo.endsWith(".git")) {
    throw new InvalidSlugError(
      `Invalid project slug "${input}": the repository may hold letters, digits, ".", "-" and "_" (without a .git suffix).`,
    );
  }
  return { vcs, org, repo, slug: `${prefix}/${org}/${repo}` };
}

export class InvalidGitUrlError extends Error {
  override name = "InvalidGitUrlError";
}

/**
 * Accepts `ssh://[user@]host[:port]/path` and scp-like `user@host:path` only: the URL reaches the git
 * command line, so anything that could be read as an option or another transport (`ext::`, `file://`)
 * is refused.
 */
export function parseSshGitUrl(input: string): string {
  const url = input.trim();
  if (url.startsWith("ssh://")) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new InvalidGitUrlError(`Invalid git URL "${url}".`);
    }
    if (!parsed.hostname || parsed.hostname.startsWith("-") || parsed.pathname.length < 2 || parsed.password) {
      throw new InvalidGitUrlError(`Invalid git URL "${url}": expected ssh://user@host[:port]/path/repo.git.`);
    }
    return url;
  }
  if (/^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s:][^\s]*$/.test(url) && !url.startsWith("-")) return url;
  throw new InvalidGitUrlError(`Invalid git URL "${url}": expected ssh://user@host[:port]/path or user@host:path.`);
}
