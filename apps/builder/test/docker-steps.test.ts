import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SandboxPathNotFoundError } from "../src/errors";
import type { DockerSandbox } from "../src/runtime/docker/index";
import type { ExecOptions, OutputStream } from "../src/runtime/types";
import { jobSpec, runtime, testBuilderId } from "./support";

const builderId = testBuilderId("steps");
let sandbox: DockerSandbox;

before(async () => {
  sandbox = await runtime(builderId).prepare(jobSpec());
});
after(() => sandbox?.destroy());

/** Runs a step and collects its output per stream, in arrival order. */
async function step(command: string, options: ExecOptions = {}) {
  const chunks: { stream: OutputStream; text: string }[] = [];
  const started = Date.now();
  const result = await sandbox.exec(command, { ...options, onOutput: (stream, text) => chunks.push({ stream, text }) });
  const of = (stream: OutputStream) =>
    chunks
      .filter((c) => c.stream === stream)
      .map((c) => c.text)
      .join("");
  return { ...result, stdout: of("stdout"), stderr: of("stderr"), chunks, ms: Date.now() - started };
}

/** Command lines of every process in the primary container. */
async function processes(): Promise<string> {
  const listed = await step("for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done", { shell: ["/bin/sh"] });
  return listed.stdout;
}

describe("steps in a Docker job sandbox", () => {
  test("streams stdout and stderr separately, as it happens", async () => {
    const seen: number[] = [];
    const started = Date.now();
    const result = await sandbox.exec("echo first; sleep 1; echo second >&2; echo third", {
      onOutput: () => seen.push(Date.now() - started),
    });
    assert.equal(result.exitCode, 0);
    assert.ok(seen.length >= 2 && (seen[0] ?? 0) < (seen.at(-1) ?? 0) - 500, `first output came before the step ended: ${seen}`);
    const out = await step("echo out; echo err >&2; printf 'é🔑\\n'");
    assert.equal(out.stdout, "out\né🔑\n");
    assert.equal(out.stderr, "err\n");
  });

  test("exit codes, and bash -eo pipefail by default", async () => {
    assert.equal((await step("exit 0")).exitCode, 0);
    assert.equal((await step("exit 42")).exitCode, 42);
    const pipefail = await step("false | true; echo not reached");
    assert.equal(pipefail.exitCode, 1);
    assert.equal(pipefail.stdout, "");
    const sh = await step("false | true; echo reached", { shell: ["/bin/sh"] });
    assert.deepEqual([sh.exitCode, sh.stdout], [0, "reached\n"]);
  });

  test("environment, working directory (created, ~ expanded) and user", async () => {
    const result = await step('echo "$GREETING|$QUOTED|$(pwd)"', {
      env: { GREETING: "hello world", QUOTED: `it's "$HOME"` },
      workingDirectory: "~/project/sub dir",
    });
    assert.equal(result.stdout, `hello world|it's "$HOME"|/root/project/sub dir\n`);
    assert.equal((await step("pwd", { workingDirectory: "/var/tmp/x" })).stdout, "/var/tmp/x\n");
    assert.equal((await step("id -u", { user: "nobody", shell: ["/bin/sh"] })).stdout, "65534\n");
    const refused = await step("true", { user: "nobody", workingDirectory: "/root/nope", shell: ["/bin/sh"] });
    assert.notEqual(refused.exitCode, 0);
    assert.match(refused.stderr, /cannot enter working directory \/root\/nope/);
  });

  test("the command is a script: multi-line, quotes and the step's own variables are untouched", async () => {
    const script = ['body="mine"', 'script="also mine"', "cat <<'EOF'", "$body $script", "EOF", 'echo "$body/$script"'].join(
      "\n",
    );
    const result = await step(script);
    assert.equal(result.stdout, "$body $script\nmine/also mine\n");
  });

  test("cancel stops a long step and its whole process group within 10 s", async () => {
    const controller = new AbortController();
    const running = step("sleep 600 & sleep 600; echo never", { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const abortedAt = Date.now();
    controller.abort();
    const result = await running;
    const took = Date.now() - abortedAt;
    assert.equal(result.canceled, true);
    assert.equal(result.timedOut, false);
    assert.ok(took < 10_000, `stopped in ${took} ms`);
    assert.equal(result.stdout, "");
    assert.doesNotMatch(await processes(), /sleep 600/, "background children of the step are gone too");
  });

  test("an already canceled step does not start", async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await step("echo ran", { signal: controller.signal });
    assert.deepEqual([result.canceled, result.exitCode, result.stdout], [true, null, ""]);
  });

  test("timeout and no_output_timeout stop the step and say which", async () => {
    const timeout = await step("sleep 600", { timeoutMs: 800 });
    assert.deepEqual([timeout.timedOut, timeout.timeoutKind, timeout.canceled], [true, "timeout", false]);
    assert.ok(timeout.ms < 10_000);

    const quiet = await step("for i in 1 2 3; do echo tick; sleep 0.2; done; sleep 600", { noOutputTimeoutMs: 1000 });
    assert.deepEqual([quiet.timedOut, quiet.timeoutKind], [true, "no_output_timeout"]);
    assert.equal(quiet.stdout, "tick\ntick\ntick\n");
    assert.ok(quiet.ms >= 1500, "output kept resetting the no-output timer");

    const chatty = await step("for i in 1 2 3 4 5 6; do echo tick; sleep 0.3; done", { noOutputTimeoutMs: 1000 });
    assert.deepEqual([chatty.timedOut, chatty.exitCode], [false, 0]);
  });

  test("copyIn and copyOut move tar streams; a missing path is a typed error", async () => {
    await step("mkdir -p /tmp/src/deep && echo content > /tmp/src/deep/file.txt");
    const tar = await sandbox.copyOut("/tmp/src");
    await sandbox.copyIn(tar, "/tmp/dest/inside");
    assert.equal((await step("cat /tmp/dest/inside/src/deep/file.txt")).stdout, "content\n");
    await sandbox.copyIn(await sandbox.copyOut("/tmp/dest/inside/src/deep"), "~/checkout");
    assert.equal((await step("cat /root/checkout/deep/file.txt")).stdout, "content\n");
    const back = await sandbox.copyOut("~/checkout/deep/file.txt");
    const chunks: Buffer[] = [];
    for await (const chunk of back) chunks.push(Buffer.from(chunk));
    assert.match(Buffer.concat(chunks).toString("latin1"), /^file\.txt\0[\s\S]*content\n/, "a tar stream holding the file");
    await assert.rejects(sandbox.copyOut("/no/such/path"), SandboxPathNotFoundError);
  });
});
