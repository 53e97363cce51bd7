import type { DbOrTx } from "@citadel/db";
import { type Project, projects, settings } from "@citadel/db/schema";
import type { Keyring } from "@citadel/keyring";
import {
  generateDeployKey,
  generateWebhookSecret,
  githubWebhookUrl,
  InvalidSlugError,
  ProjectExistsError,
  parseProjectSlug,
  servicesBaseUrl,
} from "@citadel/projects";
import { eq } from "drizzle-orm";
import type { Logger } from "pino";
import { GITHUB_API_URL, GitHubClient } from "./github-api";

export class GitHubNotConfiguredError extends Error {
  override name = "GitHubNotConfiguredError";
  constructor() {
    super("GitHub is not set up: choose GitHub or GitHub Enterprise in the console's source control settings first.");
  }
}

type SourceControl =
  | { kind: "github"; clientId: string; clientSecretEncrypted: string }
  | { kind: "github-enterprise"; apiUrl: string; clientId: string; clientSecretEncrypted: string }
  | { kind: "git-ssh" };

/** The REST API base URL from the console's source control setting. */
export async function githubApiUrl(db: DbOrTx): Promise<string> {
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, "sourceControl"));
  const value = row?.value as SourceControl | undefined;
  if (!value || value.kind === "git-ssh") throw new GitHubNotConfiguredError();
  return value.kind === "github-enterprise" ? value.apiUrl : GITHUB_API_URL;
}

/**
 * Follows a GitHub repository for the user whose OAuth access token is given: creates a read-only
 * deploy key and a push webhook through the REST API, then the project. A failed webhook removes the
 * deploy key again so a retry starts clean.
 */
export async function followGithubRepository(
  deps: { db: DbOrTx; keyring: Keyring; logger: Logger; httpsPort: number },
  input: { slug: string; accessToken: string },
): Promise<Project> {
  const slug = parseProjectSlug(input.slug);
  if (slug.vcs !== "github") throw new InvalidSlugError(`"${slug.slug}" is not a GitHub slug (gh/ORG/REPO).`);
  const [existing] = await deps.db.select({ id: projects.id }).from(projects).where(eq(projects.slug, slug.slug));
  if (existing) throw new ProjectExistsError(slug.slug);
  const github = new GitHubClient(await githubApiUrl(deps.db), input.accessToken);
  const hookUrl = githubWebhookUrl(await servicesBaseUrl(deps.db, deps.httpsPort));
  const repository = await github.repository(slug.org, slug.repo);
  const key = generateDeployKey(`citadel ${slug.slug}`);
  const webhookSecret = generateWebhookSecret();
  const deployKey = await github.createDeployKey(slug.org, slug.repo, `Citadel (${hookUrl})`, key.publicKey);
  let hook: { id: number };
  try {
    hook = await github.createPushHook(slug.org, slug.repo, hookUrl, webhookSecret);
  } catch (error) {
    await github.deleteDeployKey(slug.org, slug.repo, deployKey.id).catch((cleanup: unknown) => {
      deps.logger.warn({ err: cleanup, project: slug.slug }, "could not remove the deploy key after the webhook failed");
    });
    throw error;
  }
  const [project] = await deps.db
    .insert(projects)
    .values({
      slug: slug.slug,
      vcs: "github",
      gitUrl: repository.sshUrl,
      deployPublicKey: key.publicKey,
      deployPrivateKeyEncrypted: deps.keyring.encrypt(key.privateKey),
      webhookSecretEncrypted: deps.keyring.encrypt(webhookSecret),
      githubDeployKeyId: String(deployKey.id),
      githubHookId: String(hook.id),
    })
    .onConflictDoNothing({ target: projects.slug })
    .returning();
  if (!project) throw new ProjectExistsError(slug.slug);
  deps.logger.info({ project: slug.slug, deployKeyId: deployKey.id, hookId: hook.id }, "following GitHub repository");
  return project;
}
