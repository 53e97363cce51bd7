import type { DbOrTx } from "@citadel/db";
import { type Project, projects, settings } from "@citadel/db/schema";
import type { Keyring } from "@citadel/keyring";
import { and, eq, isNull, sql } from "drizzle-orm";
import { generateDeployKey, generateWebhookSecret } from "./keys";
import { InvalidSlugError, parseProjectSlug, parseSshGitUrl } from "./slug";

export class ProjectExistsError extends Error {
  override name = "ProjectExistsError";
  constructor(slug: string) {
    super(`A project ${slug} already exists.`);
  }
}

export class HostnameNotSetError extends Error {
  override name = "HostnameNotSetError";
  constructor() {
    super("The appliance hostname is not set yet: finish the hostname step of the console's install wizard first.");
  }
}

export interface NewProject {
  project: Project;
  /** Shown once to the admin who adds the project; stored only encrypted. */
  webhookSecret: string;
  webhookUrl: string;
}

/** Adds a plain-git project: a fresh ed25519 deploy key and webhook secret, both stored encrypted. */
export async function createGitProject(
  db: DbOrTx,
  keyring: Keyring,
  input: { slug: string; gitUrl: string; httpsPort: number },
): Promise<NewProject> {
  const slug = parseProjectSlug(input.slug);
  if (slug.vcs !== "git") {
    throw new InvalidSlugError(`"${slug.slug}" is a GitHub slug: GitHub repositories are followed through GitHub instead.`);
  }
  const gitUrl = parseSshGitUrl(input.gitUrl);
  const baseUrl = await servicesBaseUrl(db, input.httpsPort);
  const key = generateDeployKey(`citadel ${slug.slug}`);
  const webhookSecret = generateWebhookSecret();
  const [project] = await db
    .insert(projects)
    .values({
      slug: slug.slug,
      vcs: "git",
      gitUrl,
      deployPublicKey: key.publicKey,
      deployPrivateKeyEncrypted: keyring.encrypt(key.privateKey),
      webhookSecretEncrypted: keyring.encrypt(webhookSecret),
    })
    .onConflictDoNothing({ target: projects.slug })
    .returning();
  if (!project) throw new ProjectExistsError(slug.slug);
  return { project, webhookSecret, webhookUrl: gitWebhookUrl(baseUrl, project) };
}

/** A project by id or by slug (slugs compare case-insensitively, as GitHub names do). */
export async function findProject(db: DbOrTx, idOrSlug: string): Promise<Project | undefined> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrSlug);
  const [project] = await db
    .select()
    .from(projects)
    .where(isUuid ? eq(projects.id, idOrSlug) : sql`lower(${projects.slug}) = lower(${idOrSlug})`);
  return project;
}

/** `https://<hostname>[:port]` from the hostname the admin set in the console. */
export async function servicesBaseUrl(db: DbOrTx, httpsPort: number): Promise<string> {
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, "hostname"));
  const hostname = (row?.value as { hostname?: string } | undefined)?.hostname;
  if (!hostname) throw new HostnameNotSetError();
  return `https://${hostname}${httpsPort === 443 ? "" : `:${httpsPort}`}`;
}

export function gitWebhookUrl(baseUrl: string, project: Pick<Project, "id">): string {
  return `${baseUrl}/hooks/git/${project.id}`;
}

export function githubWebhookUrl(baseUrl: string): string {
  return `${baseUrl}/hooks/github`;
}

/**
 * Records the SSH host key seen on first contact; it is pinned from then on. Only ever fills an empty
 * pin (never replaces one), so a request holding a stale project row cannot re-pin a different key.
 */
export async function recordHostKey(db: DbOrTx, projectId: string, knownHostsLine: string): Promise<boolean> {
  const updated = await db
    .update(projects)
    .set({ sshHostKey: knownHostsLine })
    .where(and(eq(projects.id, projectId), isNull(projects.sshHostKey)))
    .returning({ id: projects.id });
  return updated.length > 0;
}

/** The pinned SSH host key as stored now (callers may hold an older copy of the project row). */
export async function pinnedHostKey(db: DbOrTx, projectId: string): Promise<string | null> {
  const [row] = await db.select({ sshHostKey: projects.sshHostKey }).from(projects).where(eq(projects.id, projectId));
  return row?.sshHostKey ?? null;
}
