import type Docker from "dockerode";
import { ExecOutputDemuxer } from "./demux";
import { engineFailure } from "./engine-errors";

/** Runs a short helper command (not a step) in the container; resolves with its exit code and output. */
export async function execPlain(
  container: Docker.Container,
  cmd: string[],
): Promise<{ exitCode: number | null; output: string }> {
  try {
    const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: false });
    const stream = await exec.start({ Detach: false, Tty: false });
    let output = "";
    const demuxer = new ExecOutputDemuxer((_stream, chunk) => {
      output += chunk;
    });
    await new Promise<void>((resolve, reject) => {
      stream.on("data", (data: Buffer) => demuxer.push(data));
      stream.once("end", resolve);
      stream.once("error", reject);
    });
    demuxer.end();
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? null, output };
  } catch (error) {
    throw engineFailure(`running ${cmd[0]} in the job's container`, error);
  }
}
