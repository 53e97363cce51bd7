import type { CommandGroup } from "./io";

/** Each command group lives in its own module under cli/; add new groups here. */
export const commandGroups: Record<string, CommandGroup> = {
  license: { summary: "issue, verify and inspect license keys", load: () => import("./license") },
  config: { summary: "validate and process .circleci/config.yml", load: () => import("./config") },
  admin: { summary: "reset the admin password", load: () => import("./admin") },
  backup: { summary: "create, verify and restore backups", load: () => import("./backup") },
  audit: { summary: "verify the audit log's hash chain", load: () => import("./audit") },
  builder: { summary: "create join tokens for builders", load: () => import("./builder") },
  project: { summary: "add plain-git projects and show their deploy key and webhook", load: () => import("./project") },
  token: { summary: "create API tokens (Circle-Token) for the admin user", load: () => import("./token") },
  keys: { summary: "rotate the master keyring and re-encrypt every secret", load: () => import("./keys") },
  context: { summary: "add contexts and set their secret variables", load: () => import("./context") },
};
