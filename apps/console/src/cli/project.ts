import { parseArgs } from "node:util";
import {
  createGitProject,
  findProject,
  gitWebhookUrl,
  HostnameNotSetError,
  InvalidGitUrlError,
  InvalidSlugError,
  ProjectExistsError,
  postReceiveHookScript,
  servicesBaseUrl,
} from "@citadel/projects";
import { parseConsoleEnv } from "../env";
import { openCliDatabase } from "./database";
import { CliError } from "./io";
import { SSH_KEY_USAGE, sshKeyCommand } from "./project-ssh-keys";

const USAGE = `usage:
  citadel project add --slug git/ORG/REPO --git-url ssh://user@host[:port]/path/repo.git
  citadel project show --slug git/ORG/REPO
${SSH_KEY_USAGE}`;

export async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === "ssh-key") {
    const [subcommand, ...options] = rest;
    const values = parse(options);
    if (!values.slug) throw new CliError(`--slug is required\n${USAGE}`, 2);
    return sshKeyCommand(subcommand, { ...values, slug: values.slug });
  }
  const values = parse(rest);
  if (!values.slug) throw new CliError(`--slug is required\n${USAGE}`, 2);
  if (command === "add") {
    if (!values["git-url"]) throw new CliError(`--git-url is required\n${USAGE}`, 2);
    return add(values.slug, values["git-url"]);
  }
  if (command === "show") return show(values.slug);
  throw new CliError(USAGE, 2);
}

async function add(slug: string, gitUrl: string): Promise<number> {
  const env = parseConsoleEnv();
  const cli = await openCliDatabase();
  try {
    const created = await createGitProject(cli.database.db, cli.keyring, {
      slug,
      gitUrl,
      httpsPort: env.CITADEL_HTTPS_PORT,
    }).catch((error: unknown) => {
      const known = [InvalidSlugError, InvalidGitUrlError, ProjectExistsError, HostnameNotSetError];
      throw known.some((type) => error instanceof type) ? new CliError((error as Error).message, 1) : error;
    });
    process.stdout.write(
      [
        `Project ${created.project.slug} added (id ${created.project.id}).`,
        "",
        "Deploy public key (add it to the repository's authorized keys, read access is enough):",
        `  ${created.project.deployPublicKey}`,
        "",
        `Webhook URL:    ${created.webhookUrl}`,
        `Webhook secret: ${created.webhookSecret}`,
        "(the secret is shown only now; it is stored encrypted)",
        "",
        "Post-receive hook for the bare repository on the git server (hooks/post-receive, chmod +x):",
        "",
        postReceiveHookScript(created.webhookUrl, created.webhookSecret),
        "The git server's SSH host key is pinned on the first fetch; `citadel project show` prints it.",
        "",
      ].join("\n"),
    );
    return 0;
  } finally {
    await cli.close();
  }
}

async function show(slug: string): Promise<number> {
  const env = parseConsoleEnv();
  const cli = await openCliDatabase();
  try {
    const project = await findProject(cli.database.db, slug);
    if (!project) throw new CliError(`no project ${slug}`, 1);
    const baseUrl = await servicesBaseUrl(cli.database.db, env.CITADEL_HTTPS_PORT);
    process.stdout.write(
      [
        `Project ${project.slug} (id ${project.id})`,
        `Git URL:           ${project.gitUrl}`,
        `Deploy public key: ${project.deployPublicKey}`,
        `Webhook URL:       ${project.vcs === "git" ? gitWebhookUrl(baseUrl, project) : `${baseUrl}/hooks/github`}`,
        `SSH host key:      ${project.sshHostKey ?? "(not pinned yet: pinned on the first fetch)"}`,
        "",
      ].join("\n"),
    );
    return 0;
  } finally {
    await cli.close();
  }
}

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        slug: { type: "string" },
        "git-url": { type: "string" },
        hostname: { type: "string" },
        fingerprint: { type: "string" },
      },
      strict: true,
    }).values;
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${USAGE}`, 2);
  }
}
