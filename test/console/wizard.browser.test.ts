import assert from "node:assert/strict";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { after, test } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { createSelfSignedCertificate } from "../../apps/console/src/tls/self-signed";
import { freePort, REPO_ROOT, startAppliance, tempDataDir, waitForOutput } from "../support/appliance";
import { testLicense } from "../support/license";

const SCREENSHOTS = join(REPO_ROOT, "test-output", "console-wizard");
const CHROMIUM = "/usr/bin/chromium";
const cleanup: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

/** The error shown next to a field (the form's field id), containing the given text. */
async function fieldError(page: Page, field: string, text: string) {
  await page.locator(`[data-testid=error-${field}]`, { hasText: text }).waitFor();
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

test("a new admin goes from first boot through every wizard step to services running, in Chromium", async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  const dataDir = await tempDataDir();
  cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
  const license = await testLicense(dataDir);
  const port = await freePort();
  const app = startAppliance(dataDir, port, {
    CITADEL_LICENSE_PUBKEYS: license.jwksFile,
    CITADEL_HTTPS_PORT: String(await freePort()),
    CITADEL_HTTP_PORT: String(await freePort()),
  });
  cleanup.push(async () => app.child.exitCode === null && process.kill(-(app.child.pid ?? 0), "SIGKILL"));
  await waitForOutput(app, /"msg":"console ready"/);
  const bootstrap = /bootstrap password \(one-time\): (\S+)/.exec(app.output())?.[1];
  assert.ok(bootstrap, "the bootstrap password is printed at first boot");

  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
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
  // The first-boot certificate is self-signed; the browser is told to accept it, as an admin would.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, baseURL: `https://localhost:${port}` });
  const page = await context.newPage();
  const cspViolations: string[] = [];
  page.on("console", (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
  });

  // Everything redirects to the login page before sign-in.
  await page.goto("/settings");
  await page.waitForURL("**/login");
  await page.getByText("bootstrap password", { exact: false }).first().waitFor();
  await page.fill("#password", "not the password");
  await page.click("[data-testid=login-submit]");
  await fieldError(page, "password", "Wrong password.");
  await shot(page, "01-login-wrong-password");
  await page.fill("#password", bootstrap);
  await page.click("[data-testid=login-submit]");
  await page.waitForURL("**/setup-password");

  // First admin password: a weak one is refused next to the field.
  await page.fill("#new-password", "short");
  await page.fill("#confirm-password", "short");
  await page.click("[data-testid=set-password]");
  await fieldError(page, "new-password", "at least 12 characters");
  await shot(page, "02-weak-password");
  await page.fill("#new-password", "browser admin password");
  await page.fill("#confirm-password", "browser admin password");
  await page.click("[data-testid=set-password]");
  await page.waitForURL("**/wizard");

  // Hostname.
  await page.fill("#hostname", "not a host!");
  await page.click("[data-testid=save-hostname]");
  await fieldError(page, "hostname", "is not a valid hostname");
  await page.fill("#hostname", "localhost");
  await page.click("[data-testid=save-hostname]");

  // TLS: a certificate and a key that do not belong together are refused with a precise message.
  await page.getByRole("heading", { name: "TLS certificate" }).waitFor();
  const certA = createSelfSignedCertificate(["localhost"]);
  const certB = createSelfSignedCertificate(["localhost"]);
  await page.fill("#certificate", certA.certPem);
  await page.fill("#privateKey", certB.keyPem);
  await page.click("[data-testid=save-tls]");
  await fieldError(page, "privateKey", "does not match the certificate");
  await shot(page, "03-tls-key-mismatch");
  const wrongHost = createSelfSignedCertificate(["build.example.com"]);
  await page.fill("#certificate", wrongHost.certPem);
  await page.fill("#privateKey", wrongHost.keyPem);
  await page.click("[data-testid=save-tls]");
  await fieldError(page, "certificate", "not localhost");
  await shot(page, "04-tls-wrong-host");
  await page.fill("#certificate", "garbage");
  await page.click("[data-testid=save-tls]");
  await fieldError(page, "certificate", "not a PEM certificate");
  await page.check("input[value=self-signed]");
  await page.click("[data-testid=save-tls]");

  // License.
  await page.getByRole("heading", { name: "License" }).waitFor();
  await page.fill("#license", `${license.token.slice(0, -4)}AAAA`);
  await page.click("[data-testid=save-license]");
  await page.locator("[data-testid=error-license]").waitFor();
  await shot(page, "05-license-tampered");
  await page.fill("#license", license.token);
  await page.click("[data-testid=save-license]");

  // Source control.
  await page.getByRole("heading", { name: "Source control" }).waitFor();
  await page.check("input[value=github-enterprise]");
  await page.fill("#apiUrl", "http://github.example.com/api/v3");
  await page.fill("#clientId", "abc");
  await page.fill("#clientSecret", "shh-secret");
  await page.click("[data-testid=save-scm]");
  await fieldError(page, "apiUrl", "must use https://");
  await page.check("input[value=git-ssh]");
  await page.click("[data-testid=save-scm]");

  // Preflight, then review and start.
  await page.getByRole("heading", { name: "Preflight checks" }).waitFor();
  await page.click("[data-testid=run-preflight]");
  // The checks probe the engine, PostgreSQL and the ports: slow on a loaded box, so a longer wait; if the
  // results never come, the failure says what the page showed instead.
  await page
    .locator("[data-testid=preflight-results]")
    .waitFor({ timeout: 90_000 })
    .catch(async (error: Error) => {
      await shot(page, "06-preflight-missing");
      throw new Error(`${error.message}\npage says: ${await page.locator("main").textContent()}\n${app.output().slice(-3000)}`);
    });
  await shot(page, "06-preflight");
  await page.click("[data-testid=preflight-continue]");
  await page.getByRole("heading", { name: "Review and start" }).waitFor();
  await page.click("[data-testid=start-services]");
  await page.locator("[data-testid=services-running]").waitFor({ timeout: 90_000 });
  await shot(page, "07-services-running");

  // The dashboard and the audit log show what happened.
  await page.goto("/");
  await page.locator("[data-testid=dashboard-services]", { hasText: "running" }).waitFor();
  await shot(page, "08-dashboard");
  await page.goto("/audit");
  await page.locator("[data-testid=audit-table] tbody tr", { hasText: "services.start" }).first().waitFor();
  await page.locator("[data-testid=audit-table] tbody tr", { hasText: "login.failed" }).first().waitFor();
  await shot(page, "09-audit");
  assert.deepEqual(cspViolations, [], "no Content Security Policy violations");

  app.child.kill("SIGTERM");
  assert.equal(await app.exited, 0);
});
