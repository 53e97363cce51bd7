import { pino } from "pino";
import { computeCapacity } from "./capacity";
import { loadBuilderSettings } from "./daemon/config";
import { startControlSocket } from "./daemon/control-socket";
import { BuilderDaemon } from "./daemon/daemon";
import { readHostResources } from "./host-resources";
import { DockerRuntime } from "./runtime/docker/index";

/** `citadel-builder`: the builder daemon. */
async function main(): Promise<void> {
  const settings = loadBuilderSettings(process.argv.slice(2), process.env);
  const logger = pino({ name: "citadel-builder", level: settings.logLevel });
  const capacity = computeCapacity({
    ...readHostResources(),
    containerCpus: settings.containerCpus,
    containerMemoryBytes: settings.containerMemoryBytes,
    ...(settings.slots !== undefined ? { slotsOverride: settings.slots } : {}),
  });
  if (capacity.override) {
    logger.warn(
      { slots: capacity.slots, computedSlots: capacity.computedSlots },
      "job slots set by override, not by the box's size",
    );
  }
  const createRuntime = (builderId: string) =>
    new DockerRuntime({ builderId, imageAliases: settings.imageAliases, logger: logger.child({ module: "runtime" }) });
  const daemon = new BuilderDaemon(settings, capacity.slots, createRuntime, logger.child({ module: "daemon" }));
  await daemon.start();
  const control = await startControlSocket(daemon, settings.dataDir, logger.child({ module: "control" }));

  // SIGTERM drains like circle-shutdown; a second SIGTERM, or SIGINT, forces (running jobs cancelled).
  let terms = 0;
  process.on("SIGTERM", () => {
    terms++;
    if (terms === 1) void daemon.drain();
    else daemon.cancelAll();
  });
  process.on("SIGINT", () => {
    daemon.cancelAll();
    void daemon.drain(0);
  });
  await daemon.whenStopped;
  // Waits for connected circle-shutdown clients to get their last line before exiting.
  await new Promise((resolve) => control.close(resolve));
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`citadel-builder: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
