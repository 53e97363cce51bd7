import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import type { Logger } from "pino";
import { DEFAULT_SHELL, type ExecOptions, type ExecResult } from "../types";
import { ExecOutputDemuxer } from "./demux";
import { engineFailure } from "./engine-errors";
import { STEP_KILLER, STEP_WRAPPER, stepPaths } from "./step-wrapper";

/** After a stop is asked: how often the kill is retried (the pid file may not be written yet)… */
const KILL_RETRY_MS = 1000;
/** …and when we stop waiting for the engine to close the output and give up on the step (< 10 s). */
const STOP_DEADLINE_MS = 7000;

type StopReason = "canceled" | "timeout" | "no_output_timeout";

/**
 * Runs one step in `container` through the step wrapper, streaming its output, and enforces cancel,
 * timeout and no-output timeout by killing the step's process group. Resolves with the outcome; rejects
 * (InfrastructureError) only when the engine fails.
 */
export async function runStep(
  container: Docker.Container,
  command: string,
  options: ExecOptions,
  logger: Logger,
): Promise<ExecResult> {
  if (options.signal?.aborted) return { exitCode: null, timedOut: false, canceled: true };
  const stepId = randomBytes(8).toString("hex");
  const paths = stepPaths(stepId);
  const shell = options.shell ?? DEFAULT_SHELL;
  const user = options.user;

  let exec: Docker.Exec;
  let stream: NodeJS.ReadableStream;
  try {
    exec = await container.exec({
      Cmd: [
        "/bin/sh",
        "-c",
        STEP_WRAPPER,
        "citadel-step",
        paths.script,
        paths.pidFile,
        options.workingDirectory ?? "",
        command,
        ...shell,
      ],
      Env: Object.entries(options.env ?? {}).map(([key, value]) => `${key}=${value}`),
      ...(user === undefined ? {} : { User: user }),
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    });
    stream = await exec.start({ Detach: false, Tty: false });
  } catch (error) {
    if (options.signal?.aborted) return { exitCode: null, timedOut: false, canceled: true };
    throw engineFailure("starting a step", error);
  }

  const demuxer = new ExecOutputDemuxer((which, chunk) => {
    armNoOutputTimer();
    options.onOutput?.(which, chunk);
  });
  let stopReason: StopReason | undefined;
  let noOutputTimer: NodeJS.Timeout | undefined;
  const timers: NodeJS.Timeout[] = [];

  const stop = (reason: StopReason) => {
    if (stopReason !== undefined) return;
    stopReason = reason;
    logger.info({ stepId, reason }, "stopping step");
    const killer = setInterval(() => void killGroup(container, paths.pidFile, user, logger), KILL_RETRY_MS);
    timers.push(killer);
    void killGroup(container, paths.pidFile, user, logger);
    timers.push(
      setTimeout(() => {
        logger.warn({ stepId }, "step output still open after kill; giving up on it");
        clearInterval(killer);
        destroyStream(stream);
      }, STOP_DEADLINE_MS),
    );
  };
  function armNoOutputTimer() {
    if (options.noOutputTimeoutMs === undefined || stopReason !== undefined) return;
    clearTimeout(noOutputTimer);
    noOutputTimer = setTimeout(() => stop("no_output_timeout"), options.noOutputTimeoutMs);
  }
  const onAbort = () => stop("canceled");

  try {
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.timeoutMs !== undefined) timers.push(setTimeout(() => stop("timeout"), options.timeoutMs));
    armNoOutputTimer();
    await new Promise<void>((resolve) => {
      stream.on("data", (data: Buffer) => demuxer.push(data));
      stream.once("end", resolve);
      stream.once("close", resolve);
      stream.once("error", (error: Error) => {
        logger.warn({ stepId, err: error }, "step output stream failed");
        resolve();
      });
    });
    demuxer.end();
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    clearTimeout(noOutputTimer);
    for (const timer of timers) clearTimeout(timer);
  }

  const exitCode = await exitCodeOf(exec, stopReason !== undefined);
  return {
    exitCode,
    timedOut: stopReason === "timeout" || stopReason === "no_output_timeout",
    ...(stopReason === "timeout" || stopReason === "no_output_timeout" ? { timeoutKind: stopReason } : {}),
    canceled: stopReason === "canceled",
  };
}

async function exitCodeOf(exec: Docker.Exec, stopped: boolean): Promise<number | null> {
  try {
    const info = await exec.inspect();
    return info.Running ? null : (info.ExitCode ?? null);
  } catch (error) {
    if (stopped) return null; // the container went away with the job
    throw engineFailure("reading a step's exit code", error);
  }
}

/** Kills the step's process group from a second exec, as the step's user (no extra capability needed). */
async function killGroup(container: Docker.Container, pidFile: string, user: string | undefined, logger: Logger): Promise<void> {
  try {
    const killer = await container.exec({
      Cmd: ["/bin/sh", "-c", STEP_KILLER, "citadel-kill", pidFile],
      ...(user === undefined ? {} : { User: user }),
      AttachStdout: false,
      AttachStderr: false,
    });
    // Even detached, the engine answers with a (empty) stream: read it to the end so the socket closes.
    const response = await killer.start({ Detach: true });
    await new Promise<void>((resolve) => {
      response.once("end", resolve);
      response.once("close", resolve);
      response.once("error", () => resolve());
      response.resume();
    });
  } catch (error) {
    logger.debug({ err: error }, "kill attempt failed; retrying until the step ends");
  }
}

function destroyStream(stream: NodeJS.ReadableStream): void {
  const destroyable = stream as NodeJS.ReadableStream & { destroy?: () => void };
  destroyable.destroy?.();
}
