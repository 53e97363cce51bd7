import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { AuthError, setAdminPassword } from "../domain/auth";
import { generateBootstrapPassword } from "../domain/passwords";
import { openCliDatabase } from "./database";
import { CliError, readStdin } from "./io";

const USAGE = "usage: citadel admin reset-password [--password-file FILE | --generate]";

/** `citadel admin reset-password`: for the host's operator when the admin password is lost. */
export async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command !== "reset-password") throw new CliError(USAGE, 2);
  let values: { "password-file"?: string; generate?: boolean };
  try {
    ({ values } = parseArgs({ args: rest, options: { "password-file": { type: "string" }, generate: { type: "boolean" } } }));
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${USAGE}`, 2);
  }
  let password: string;
  if (values.generate) password = generateBootstrapPassword();
  else if (values["password-file"]) password = (await readFile(values["password-file"], "utf8")).trim();
  else if (!process.stdin.isTTY) password = (await readStdin()).trim();
  else throw new CliError(`give the new password with --password-file FILE, on standard input, or use --generate\n${USAGE}`, 2);

  const cli = await openCliDatabase();
  try {
    await setAdminPassword(cli.database.db, cli.keyring, { newPassword: password, actor: "cli", ip: null });
  } catch (error) {
    if (error instanceof AuthError) throw new CliError(error.message);
    throw error;
  } finally {
    await cli.close();
  }
  process.stdout.write(
    values.generate
      ? `Admin password reset. New password: ${password}\nEvery console session was signed out.\n`
      : "Admin password reset. Every console session was signed out.\n",
  );
  return 0;
}
