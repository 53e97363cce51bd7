import type { StoreTestResultsStep } from "@citadel/pipeline";
import { MAX_TEST_CASES_PER_REQUEST, type TestCase } from "@citadel/protocol";
import { extract } from "tar-stream";
import { SandboxPathNotFoundError } from "../../errors";
import { SecretMasker } from "../../masking/index";
import { parseJUnit } from "./junit";
import { type BuiltInOutcome, inJob, type StepContext } from "./step-context";

/** What the services box keeps of a failure message. */
const MESSAGE_LIMIT = 20_000;
/** Larger XML files are skipped with a warning rather than held in memory. */
const MAX_REPORT_BYTES = 50 * 1024 * 1024;

/**
 * store_test_results: every `*.xml` JUnit report under `path`, parsed here into test cases (failure
 * messages masked like the log) and sent to the services box for the job's test results.
 */
export async function storeTestResults(step: StoreTestResultsStep, ctx: StepContext): Promise<BuiltInOutcome> {
  let tar: NodeJS.ReadableStream;
  try {
    tar = await ctx.sandbox.copyOut(inJob(step.path, ctx.workingDirectory));
  } catch (error) {
    if (!(error instanceof SandboxPathNotFoundError)) throw error;
    ctx.out.write(`No test results found at ${step.path}\n`);
    return "success";
  }
  const tests: TestCase[] = [];
  let reports = 0;
  const entries = extract();
  tar.on("error", (error: Error) => entries.destroy(error));
  tar.pipe(entries as unknown as NodeJS.WritableStream);
  for await (const entry of entries) {
    const name = entry.header.name;
    if (entry.header.type !== "file" || !name.endsWith(".xml")) {
      entry.resume();
      continue;
    }
    if ((entry.header.size ?? 0) > MAX_REPORT_BYTES) {
      entry.resume();
      ctx.out.write(`Skipping ${name}: larger than ${MAX_REPORT_BYTES / 1024 / 1024} MiB\n`);
      continue;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    try {
      tests.push(...parseJUnit(Buffer.concat(chunks).toString("utf8"), name));
      reports++;
    } catch (error) {
      ctx.out.write(`Skipping ${name}: not a readable JUnit XML report (${(error as Error).message.split("\n")[0]})\n`);
    }
  }
  // Masked before the services box's length limits apply (a mask can be longer than what it hides).
  const masked = tests.map((test) => ({
    ...test,
    name: mask(test.name, ctx.job.secretValues).slice(0, 2000),
    classname: mask(test.classname, ctx.job.secretValues).slice(0, 2000),
    file: test.file === null ? null : mask(test.file, ctx.job.secretValues).slice(0, 2000),
    message: test.message === null ? null : mask(test.message, ctx.job.secretValues).slice(0, MESSAGE_LIMIT),
  }));
  for (let i = 0; i < masked.length; i += MAX_TEST_CASES_PER_REQUEST) {
    await ctx.api.testResults(ctx.job, masked.slice(i, i + MAX_TEST_CASES_PER_REQUEST));
  }
  const failures = tests.filter((t) => t.result === "failure" || t.result === "error").length;
  ctx.out.write(
    `Found ${tests.length} test${tests.length === 1 ? "" : "s"} in ${reports} report${reports === 1 ? "" : "s"}: ${failures} failed\n`,
  );
  return "success";
}

function mask(text: string, secrets: readonly string[]): string {
  const masker = new SecretMasker(secrets);
  return masker.write(text) + masker.end();
}
