import { ENV_VAR_NAME, ensureContext, setContextEnvVar } from "@citadel/db";
import { recordAudit } from "../domain/audit";
import { openCliDatabase } from "./database";
import { CliError, readStdin } from "./io";

const USAGE = "usage: citadel context add NAME | citadel context set NAME VAR  (the value on standard input)";

/** `citadel context`: shared secrets that jobs naming the context receive. */
export async function run(args: string[]): Promise<number> {
  const [command, contextName, variable, ...extra] = args;
  if (!contextName || extra.length > 0) throw new CliError(USAGE, 2);
  if (command === "add" && variable === undefined) {
    const cli = await openCliDatabase();
    try {
      await ensureContext(cli.database.db, contextName);
      await recordAudit(cli.database.db, { actor: "cli", action: "context.add", target: contextName });
    } finally {
      await cli.close();
    }
    process.stdout.write(`Context ${contextName} exists.\n`);
    return 0;
  }
  if (command === "set" && variable !== undefined) {
    if (!ENV_VAR_NAME.test(variable)) throw new CliError(`${variable} is not a valid variable name (letters, digits and _)`, 2);
    if (process.stdin.isTTY)
      throw new CliError(`give the value on standard input, e.g. citadel context set ${contextName} ${variable} < file`, 2);
    const value = (await readStdin()).replace(/\r?\n$/, "");
    const cli = await openCliDatabase();
    try {
      const stored = await setContextEnvVar(cli.database.db, cli.keyring, { contextName, name: variable, value });
      await recordAudit(cli.database.db, { actor: "cli", action: "context.set", target: `${contextName}/${variable}` });
      process.stdout.write(`Set ${variable} in context ${contextName} (${stored.value}).\n`);
    } catch (error) {
      if ((error as Error).name === "UnknownContextError") throw new CliError(`${(error as Error).message}: add it first`);
      throw error;
    } finally {
      await cli.close();
    }
    return 0;
  }
  throw new CliError(USAGE, 2);
}
