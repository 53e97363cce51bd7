import { connect } from "node:net";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { loadBuilderSettings } from "../daemon/config";
import { type ControlMessage, controlSocketPath } from "../daemon/control-socket";

const USAGE = "usage: circle-shutdown [--timeout SECONDS] [--status] [--data-dir DIR]";

/**
 * `circle-shutdown`: tells the local builder daemon to stop claiming, waits while its running
 * jobs finish (printing what is left), and exits 0 once the daemon has stopped.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { timeout: { type: "string" }, status: { type: "boolean" }, "data-dir": { type: "string" } },
  });
  const timeoutSeconds = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutSeconds !== undefined && !(timeoutSeconds > 0)) {
    process.stderr.write(`circle-shutdown: --timeout takes a number of seconds above 0\n${USAGE}\n`);
    return 2;
  }
  const settings = loadBuilderSettings(values["data-dir"] ? ["--data-dir", values["data-dir"]] : [], process.env);
  const path = controlSocketPath(settings.dataDir);
  const socket = connect(path);
  const request = values.status ? { command: "status" } : { command: "drain", ...(timeoutSeconds ? { timeoutSeconds } : {}) };
  return new Promise<number>((resolve) => {
    let code = 1;
    socket.once("error", (error: NodeJS.ErrnoException) => {
      process.stderr.write(`circle-shutdown: no builder daemon answers on ${path} (${error.code ?? error.message})\n`);
      resolve(1);
    });
    socket.once("connect", () => socket.write(`${JSON.stringify(request)}\n`));
    createInterface({ input: socket }).on("line", (line) => {
      const message = JSON.parse(line) as ControlMessage;
      if (message.type === "status") {
        process.stdout.write(`state: ${message.state}; running jobs: ${message.running.length}\n`);
        for (const job of message.running) process.stdout.write(`  ${job.name} (${job.jobId})\n`);
        code = 0;
      } else if (message.type === "progress") {
        process.stdout.write(
          message.running.length === 0
            ? "no jobs running\n"
            : `waiting for ${message.running.length} running job(s): ${message.running.map((j) => j.name).join(", ")}\n`,
        );
      } else if (message.type === "drained") {
        if (message.canceled.length > 0) process.stdout.write(`cancelled at the deadline: ${message.canceled.join(", ")}\n`);
        process.stdout.write("builder drained and stopped\n");
        code = 0;
      } else {
        process.stderr.write(`circle-shutdown: ${message.message}\n`);
      }
    });
    socket.on("close", () => resolve(code));
  });
}

main().then((code) => process.exit(code));
