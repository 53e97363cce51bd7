import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, test } from "node:test";
import { promisify } from "node:util";
import { openDatabase } from "@citadel/db";
import { decodeJoinToken } from "@citadel/protocol";
import { pino } from "pino";
import { chromium } from "playwright-core";
import { REPO_ROOT } from "../support/appliance";
import { BuilderProtocolClient, type ProtocolError } from "../support/builder-protocol-client";
import { ADMIN_PASSWORD, startInstalledAppliance } from "../support/installed-appliance";

const run = promisify(execFile);
const cleanup: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

const BUILDER = { runtime: "docker" as const, version: "0.1.0", slots: 2 };

test("the fleet view lists builders with their state, drains one, removes an offline one and gives a join command", async () => {
  const installed = await startInstalledAppliance();
  cleanup.push(() => installed.destroy());
  const joinToken = async () =>
    (
      await run(process.execPath, ["apps/console/bin/citadel.mjs", "builder", "join-token"], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...installed.env },
      })
    ).stdout.trim();
  // Two builders over the real protocol: one keeps beating, one goes silent.
  const alive = await BuilderProtocolClient.register(await joinToken(), { ...BUILDER, name: "alive", host: "alive.test" });
  const gone = await BuilderProtocolClient.register(await joinToken(), { ...BUILDER, name: "gone", host: "gone.test" });
  cleanup.push(async () => {
    alive.close();
    gone.close();
  });
  await alive.heartbeat({ state: "active", freeSlots: 1, runningJobIds: [] });
  await gone.heartbeat({ state: "active", freeSlots: 2, runningJobIds: [] });
  const db = await openDatabase({ logger: pino({ level: "silent" }), dataDir: installed.dataDir, embedded: "attach" });
  cleanup.push(() => db.close());
  // Its last heartbeat two minutes ago, as if the box had died then.
  await db.sql`update builders set last_heartbeat_at = now() - interval '2 minutes' where name = 'gone'`;

  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
  cleanup.push(() => browser.close());
  const context = await browser.newContext({ ignoreHTTPSErrors: true, baseURL: `https://localhost:${installed.ports.console}` });
  const page = await context.newPage();
  await page.goto("/login");
  await page.fill("#password", ADMIN_PASSWORD);
  await page.click("[data-testid=login-submit]");
  await page.waitForURL((url) => url.pathname === "/");
  await page.getByRole("link", { name: "Builders" }).click();
  await page.waitForURL("**/fleet");

  const aliveRow = page.locator("[data-testid=builder-alive]");
  const goneRow = page.locator("[data-testid=builder-gone]");
  await aliveRow.waitFor();
  assert.deepEqual((await aliveRow.locator("td").allTextContents()).slice(0, 6), [
    "alive",
    "alive.test",
    "docker",
    "1/2",
    "active",
    "0.1.0",
  ]);
  assert.equal(await goneRow.locator("[data-testid=builder-state]").textContent(), "offline");
  assert.match(String(await page.locator("p.hint").first().textContent()), /1 of 2 online, 1\/2 job slots in use/);

  // Drain reaches the builder on its next heartbeat.
  await page.click("[data-testid=drain-alive]");
  await aliveRow.locator("[data-testid=builder-state]", { hasText: "draining (asked)" }).waitFor();
  const beat = await alive.heartbeat({ state: "active", freeSlots: 2, runningJobIds: [] });
  assert.deepEqual(beat.commands, [{ type: "drain" }]);

  // An offline builder is removed: its seat is free and its credential refused.
  await goneRow.getByRole("button", { name: "Remove" }).click();
  await goneRow.waitFor({ state: "detached" });
  await assert.rejects(gone.heartbeat({ state: "active", freeSlots: 2, runningJobIds: [] }), (error: ProtocolError) => {
    assert.equal(error.status, 401);
    return true;
  });

  // A join command with a fresh token that names this appliance.
  await page.click("[data-testid=add-builder]");
  const command = await page.locator("[data-testid=join-command]").textContent();
  const token = /^npx citadel-builder --join-token (\S+)$/.exec(String(command).trim())?.[1];
  assert.ok(token, String(command));
  assert.equal(decodeJoinToken(token).url, `https://localhost:${installed.ports.https}`);
  const third = await BuilderProtocolClient.register(token, { ...BUILDER, name: "third", host: "third.test" });
  third.close();

  const audit = await db.sql<{ action: string; target: string | null }[]>`
    select action, target from audit_log where action like 'builder.%' order by id`;
  assert.deepEqual(
    audit.map((a) => `${a.action} ${a.target ?? ""}`.trim()),
    ["builder.drain alive", "builder.remove gone", "builder.join-token"],
  );
});
