import { parseArgs } from "node:util";
import { ensureUser, issueApiToken } from "@citadel/db";
import { recordAudit } from "../domain/audit";
import { openCliDatabase } from "./database";
import { CliError } from "./io";

const USAGE = "usage: citadel token create --name NAME";

/** `citadel token create`: a personal API token (`Circle-Token`) for the admin user, shown once. */
export async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command !== "create") throw new CliError(USAGE, 2);
  let name: string | undefined;
  try {
    ({
      values: { name },
    } = parseArgs({ args: rest, options: { name: { type: "string" } } }));
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${USAGE}`, 2);
  }
  if (!name?.trim()) throw new CliError(`give the token a name with --name\n${USAGE}`, 2);
  const cli = await openCliDatabase();
  try {
    const token = await cli.database.db.transaction(async (tx) => {
      const admin = await ensureUser(tx, { login: "admin", name: "Administrator", isAdmin: true });
      const issued = await issueApiToken(tx, { userId: admin.id, name: name.trim() });
      await recordAudit(tx, {
        actor: "cli",
        action: "api-token.create",
        target: admin.login,
        details: { tokenId: issued.id, name },
      });
      return issued.token;
    });
    process.stdout.write(`${token}\n`);
    process.stderr.write("This token is shown once; send it in the Circle-Token header.\n");
    return 0;
  } finally {
    await cli.close();
  }
}
