// `citadel` command-line entry: dispatches `citadel <group> <command> ...` to one module per group.
import { commandGroups } from "./groups";
import { CliError } from "./io";

async function run(argv: string[]): Promise<number> {
  const [group, ...rest] = argv;
  const entry = group ? commandGroups[group] : undefined;
  if (!entry) {
    const list = Object.entries(commandGroups)
      .map(([name, g]) => `  ${name.padEnd(10)} ${g.summary}`)
      .join("\n");
    process.stderr.write(`${group ? `citadel: unknown command '${group}'\n\n` : ""}usage: citadel <command> ...\n\n${list}\n`);
    return group ? 2 : 0;
  }
  const { run: runGroup } = await entry.load();
  return runGroup(rest);
}

run(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    if (error instanceof CliError) {
      process.stderr.write(`citadel: ${error.message}\n`);
      process.exit(error.exitCode);
    }
    process.stderr.write(
      `citadel: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
