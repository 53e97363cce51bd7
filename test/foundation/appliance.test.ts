import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { createServer } from "node:net";
import { after, describe, test } from "node:test";
import { openDatabase } from "@citadel/db";
import { settings } from "@citadel/db/schema";
import { eq } from "drizzle-orm";
import { pino } from "pino";
import {
  consoleCertificate,
  freePort,
  httpsGet,
  postgresRunningFor,
  startAppliance,
  tempDataDir,
  waitForHealthy,
} from "../support/appliance";

const logger = pino({ level: "silent" });
const cleanup: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

async function newDataDir(): Promise<string> {
  const dir = await tempDataDir();
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe("npm start", () => {
  test("serves /healthz with db ok over TLS, with security headers, and stops everything on SIGTERM within 10 s", async () => {
    const dataDir = await newDataDir();
    const app = startAppliance(dataDir, await freePort());
    cleanup.push(async () => app.child.exitCode === null && process.kill(-(app.child.pid ?? 0), "SIGKILL"));
    const health = await waitForHealthy(app);
    assert.deepEqual(JSON.parse(health.body), { status: "ok", db: "ok" });
    assert.match(String(health.headers["strict-transport-security"]), /max-age=(\d{8,})/);
    assert.equal(health.headers["x-frame-options"], "DENY");
    assert.equal(health.headers["x-content-type-options"], "nosniff");
    assert.ok(health.headers["content-security-policy"]);
    assert.ok(await postgresRunningFor(dataDir));

    const started = Date.now();
    app.child.kill("SIGTERM");
    assert.equal(await app.exited, 0);
    assert.ok(Date.now() - started < 10_000, "stopped within 10 s");
    assert.equal(await postgresRunningFor(dataDir), false, "PostgreSQL was stopped too");
    assert.doesNotMatch(app.output(), /"level":(50|60)/, "no error lines in a clean run");
  });

  test("after SIGKILL of the whole process tree, the next start comes back with the same data", async () => {
    const dataDir = await newDataDir();
    const port = await freePort();
    const first = startAppliance(dataDir, port);
    await waitForHealthy(first);

    const attached = await openDatabase({ logger, dataDir, embedded: "attach" });
    await attached.db.insert(settings).values({ key: "kill-test", value: { written: "before the kill" } });
    await attached.close();

    process.kill(-(first.child.pid ?? 0), "SIGKILL");
    await first.exited;

    const second = startAppliance(dataDir, port);
    cleanup.push(async () => second.child.exitCode === null && process.kill(-(second.child.pid ?? 0), "SIGKILL"));
    await waitForHealthy(second);
    const reattached = await openDatabase({ logger, dataDir, embedded: "attach" });
    const rows = await reattached.db.select().from(settings).where(eq(settings.key, "kill-test"));
    await reattached.close();
    assert.deepEqual(rows[0]?.value, { written: "before the kill" });

    // With the database gone, /healthz says so with 503 and a reason.
    const { findRunningPostmaster, embeddedPaths } = await import("@citadel/db");
    const postmaster = await findRunningPostmaster(embeddedPaths(dataDir).clusterDir);
    assert.ok(postmaster);
    process.kill(postmaster.pid, "SIGKILL");
    const ca = await consoleCertificate(dataDir);
    let degraded = await httpsGet(`https://localhost:${port}/healthz`, ca);
    for (let i = 0; i < 20 && degraded.status === 200; i++) {
      await new Promise((r) => setTimeout(r, 250));
      degraded = await httpsGet(`https://localhost:${port}/healthz`, ca);
    }
    assert.equal(degraded.status, 503);
    const body = JSON.parse(degraded.body);
    assert.equal(body.db, "error");
    assert.match(body.reason, /database unreachable/);

    second.child.kill("SIGINT");
    assert.equal(await second.exited, 0, `a clean stop after the database died; output:\n${second.output().slice(-4000)}`);
    assert.match(second.output(), /embedded PostgreSQL had already exited/);
  });

  test("a console port already in use gives a clear message naming the port", async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, () => resolve((blocker.address() as { port: number }).port)),
    );
    try {
      const app = startAppliance(await newDataDir(), port);
      assert.equal(await app.exited, 1);
      assert.match(app.output(), new RegExp(`Port ${port} is already in use`));
      assert.doesNotMatch(app.output(), /\n\s+at /, "no stack trace");
    } finally {
      blocker.close();
    }
  });

  test("an invalid environment value stops the start naming the variable and what it expects", async () => {
    const app = startAppliance(await newDataDir(), await freePort(), { CITADEL_CONSOLE_PORT: "eighty" });
    assert.equal(await app.exited, 1);
    assert.match(app.output(), /CITADEL_CONSOLE_PORT: expected a TCP port number/);

    const bad = startAppliance(await newDataDir(), await freePort(), { CITADEL_DATABASE_URL: "mysql://user:hunter2@db/x" });
    assert.equal(await bad.exited, 1);
    assert.match(bad.output(), /CITADEL_DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ URL/);
    assert.doesNotMatch(bad.output(), /hunter2/, "the value (a password) is never echoed");
  });

  test("a second appliance on the same data dir is refused while the first runs", async () => {
    const dataDir = await newDataDir();
    const first = startAppliance(dataDir, await freePort());
    cleanup.push(async () => first.child.exitCode === null && process.kill(-(first.child.pid ?? 0), "SIGKILL"));
    await waitForHealthy(first);
    const second = startAppliance(dataDir, await freePort());
    assert.equal(await second.exited, 1);
    assert.match(second.output(), /another Citadel appliance \(pid \d+\) is already running with data dir/);
    first.child.kill("SIGTERM");
    assert.equal(await first.exited, 0);
  });
});
