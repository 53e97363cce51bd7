import { index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/**
 * A project is one repository: `gh/ORG/REPO` (GitHub.com / Enterprise) or `git/ORG/REPO`
 * (plain Git over SSH). Private keys and secrets are keyring ciphertext.
 */
export const projects = pgTable("projects", {
  id: uuid("id").primaryKey().defaultRandom(),
  slug: text("slug").notNull().unique(),
  vcs: text("vcs", { enum: ["github", "git"] }).notNull(),
  gitUrl: text("git_url").notNull(),
  deployPublicKey: text("deploy_public_key").notNull(),
  deployPrivateKeyEncrypted: text("deploy_private_key_encrypted").notNull(),
  webhookSecretEncrypted: text("webhook_secret_encrypted").notNull(),
  /** The SSH host key seen on first contact (known_hosts line), pinned afterwards. */
  sshHostKey: text("ssh_host_key"),
  /** GitHub: ids of the deploy key and webhook created through the API. */
  githubDeployKeyId: text("github_deploy_key_id"),
  githubHookId: text("github_hook_id"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Project environment variables; the value is ciphertext and is never returned once set. */
export const envVars = pgTable(
  "env_vars",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    valueEncrypted: text("value_encrypted").notNull(),
    /** Last four characters, for the masked hint `xxxx1234`. */
    hint: text("hint").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("env_vars_project_name").on(t.projectId, t.name)],
);

export const contexts = pgTable("contexts", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull().unique(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const contextEnvVars = pgTable(
  "context_env_vars",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    contextId: uuid("context_id")
      .notNull()
      .references(() => contexts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    valueEncrypted: text("value_encrypted").notNull(),
    hint: text("hint").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("context_env_vars_context_name").on(t.contextId, t.name),
    index("context_env_vars_context").on(t.contextId),
  ],
);

/** GitHub X-GitHub-Delivery ids already handled (duplicates are ignored). */
export const webhookDeliveries = pgTable("webhook_deliveries", {
  deliveryId: text("delivery_id").primaryKey(),
  receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Additional SSH keys a project's jobs get with `add_ssh_keys` (e.g. to deploy), as CircleCI's project SSH keys. */
export const projectSshKeys = pgTable(
  "project_ssh_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    /** The host the key is for (`Host` in the job's ~/.ssh/config); empty for every host. */
    hostname: text("hostname").notNull().default(""),
    /** `aa:bb:…` MD5, as CircleCI configs name keys. */
    fingerprintMd5: text("fingerprint_md5").notNull(),
    /** `SHA256:…`, as ssh-keygen prints today. */
    fingerprintSha256: text("fingerprint_sha256").notNull(),
    publicKey: text("public_key").notNull(),
    privateKeyEncrypted: text("private_key_encrypted").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("project_ssh_keys_fingerprint").on(t.projectId, t.fingerprintSha256)],
);

export type Project = typeof projects.$inferSelect;
