import type { Keyring } from "@citadel/keyring";
import type { Sql } from "postgres";

/** A project with a secret env var, a pipeline whose job is running with some log, and a setting. */
export async function seedAppliance(sql: Sql, keyring: Keyring, logLines = 200): Promise<{ jobId: string }> {
  const [project] = await sql<{ id: string }[]>`
    insert into projects (slug, vcs, git_url, deploy_public_key, deploy_private_key_encrypted, webhook_secret_encrypted)
    values ('gh/acme/app', 'github', 'git@github.com:acme/app.git', 'ssh-ed25519 AAAA', ${keyring.encrypt("private")}, ${keyring.encrypt("hook")})
    returning id`;
  const projectId = project?.id as string;
  await sql`insert into env_vars (project_id, name, value_encrypted, hint) values (${projectId}, 'API_TOKEN', ${keyring.encrypt("s3cret-value")}, 'xxxxalue')`;
  const [pipeline] = await sql<{ id: string }[]>`
    insert into pipelines (project_id, number, state, trigger, vcs) values (${projectId}, 1, 'created', '{}'::jsonb, '{}'::jsonb) returning id`;
  const [workflow] = await sql<{ id: string }[]>`
    insert into workflows (pipeline_id, name, status) values (${pipeline?.id as string}, 'build', 'running') returning id`;
  const [job] = await sql<{ id: string }[]>`
    insert into jobs (workflow_id, project_id, number, name, type, status, spec, started_at)
    values (${workflow?.id as string}, ${projectId}, 1, 'test', 'build', 'running', '{"steps":[]}'::jsonb, now()) returning id`;
  const jobId = job?.id as string;
  await sql`
    insert into log_chunks (job_id, seq, data)
    select ${jobId}, g, 'line ' || g || E' with a tab\\tand a newline\\n and ünïcödé' from generate_series(1, ${logLines}) g`;
  await sql`insert into settings (key, value) values ('backup.test', '{"a": [1, "two"]}'::jsonb) on conflict (key) do nothing`;
  return { jobId };
}

/** Every table's rows as one checksum (md5 of the rows in a stable order), by table name. */
export async function tableChecksums(sql: Sql, tables: string[]): Promise<Record<string, string>> {
  const sums: Record<string, string> = {};
  for (const table of tables) {
    const [row] = await sql.unsafe<{ sum: string | null; n: string }[]>(
      `select md5(string_agg(t::text, '|' order by t::text)) as sum, count(*) as n from "${table}" t`,
    );
    sums[table] = `${row?.n}:${row?.sum ?? ""}`;
  }
  return sums;
}
