import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { after, test } from "node:test";
import { createSelfSignedCertificate } from "../../apps/console/src/tls/self-signed";
import { consoleCertificate, freePort, httpsGet, startAppliance, tempDataDir, waitForOutput } from "../support/appliance";
import { ConsoleClient } from "../support/console-client";

const cleanup: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

test("before an admin password exists only the bootstrap login, setting the password and TLS upload are accepted", async () => {
  const dataDir = await tempDataDir();
  cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const app = startAppliance(dataDir, port, {
    CITADEL_HTTPS_PORT: String(await freePort()),
    CITADEL_HTTP_PORT: String(await freePort()),
  });
  cleanup.push(async () => app.child.exitCode === null && process.kill(-(app.child.pid ?? 0), "SIGKILL"));
  await waitForOutput(app, /"msg":"console ready"/);
  const bootstrap = /bootstrap password \(one-time\): (\S+)/.exec(app.output())?.[1] ?? "";
  const firstBoot = await consoleCertificate(dataDir);
  const client = new ConsoleClient(port, firstBoot);

  for (const path of ["wizard.state", "dashboard.summary", "audit.list"]) {
    assert.equal((await client.query(path, path === "audit.list" ? {} : undefined)).status, 401, `${path} before sign-in`);
  }
  assert.equal((await client.mutate("wizard.setHostname", { hostname: "x.example.com" })).status, 401);
  const page = await httpsGet(`https://localhost:${port}/settings`, firstBoot);
  assert.equal(page.status, 303);
  assert.equal(page.headers.location, "/login");

  assert.equal((await client.mutate("auth.login", { password: bootstrap })).status, 200);
  assert.equal((await client.query("wizard.state")).status, 401, "a bootstrap session is not an admin session");
  assert.equal((await client.query("dashboard.summary")).status, 401);

  // TLS upload in the pre-auth window: the console switches to the uploaded certificate at once.
  const uploaded = createSelfSignedCertificate(["ci.example.test", "localhost"]);
  const tls = await client.mutate("auth.uploadTls", {
    hostname: "localhost",
    tls: { mode: "pem", certificatePem: uploaded.certPem, privateKeyPem: uploaded.keyPem },
  });
  assert.equal(tls.status, 200, JSON.stringify(tls.error));
  client.ca = uploaded.certPem;
  const weak = await client.mutate<unknown>("auth.setInitialPassword", { password: "short" });
  assert.equal(weak.status, 400);
  assert.match(weak.error?.message ?? "", /at least 12 characters/);
  assert.equal((await client.mutate("auth.setInitialPassword", { password: "the first admin password" })).status, 200);
  assert.equal((await client.query("wizard.state")).status, 200, "the new admin session works");
  const bootstrapAgain = await new ConsoleClient(port, uploaded.certPem).mutate("auth.login", { password: bootstrap });
  assert.equal(bootstrapAgain.status, 401, "the bootstrap password is dead once the admin password is set");

  app.child.kill("SIGTERM");
  assert.equal(await app.exited, 0);
});
