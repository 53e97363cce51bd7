import { verifyAuditChain } from "../domain/audit";
import { openCliDatabase } from "./database";
import { CliError } from "./io";

const USAGE = "usage: citadel audit verify";

export async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command !== "verify" || rest.length > 0) throw new CliError(USAGE, 2);
  const cli = await openCliDatabase();
  try {
    const verdict = await verifyAuditChain(cli.database.db);
    if (verdict.ok) {
      process.stdout.write(`OK: the audit log's hash chain holds (${verdict.rows} rows)\n`);
      return 0;
    }
    process.stderr.write(`BROKEN at row ${verdict.brokenAt}: ${verdict.reason} (${verdict.rows} rows before it hold)\n`);
    return 1;
  } finally {
    await cli.close();
  }
}
