import type { CommandGroup } from "./io";

/** Each command group lives in its own module under cli/; add new groups here. */
export const commandGroups: Record<string, CommandGroup> = {
  license: { summary: "issue, verify and inspect license keys", load: () => import("./license") },
  config: { summary: "validate and process .circleci/config.yml", load: () => import("./config") },
  admin: { summary: "reset the admin password", load: () => import("./admin") },
  audit: { summary: "verify the audit log's hash chain", load: () => import("./audit") },
};
