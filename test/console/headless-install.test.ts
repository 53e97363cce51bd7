import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { Agent, request } from "node:https";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { openDatabase } from "@citadel/db";
import { certificates, settings } from "@citadel/db/schema";
import { eq } from "drizzle-orm";
import { pino } from "pino";
import { createSelfSignedCertificate } from "../../apps/console/src/tls/self-signed";
import { httpsGet, startAppliance } from "../support/appliance";
import { ConsoleClient } from "../support/console-client";
import { ADMIN_PASSWORD, prepareAppliance, startInstalledAppliance, writeBootstrap } from "../support/installed-appliance";

const logger = pino({ level: "silent" });
const cleanup: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

function peerFingerprint(port: number, ca: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "localhost", port, path: "/healthz", ca, agent: false }, (res) => {
      const cert = (res.socket as import("node:tls").TLSSocket).getPeerX509Certificate();
      res.resume();
      res.on("end", () => resolve(cert?.fingerprint256.replaceAll(":", "").toLowerCase() ?? ""));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("headless install (CITADEL_BOOTSTRAP)", () => {
  test("installs, starts the services box, serves the configured certificate, and rotates it live", async () => {
    const installed = await startInstalledAppliance();
    cleanup.push(() => installed.destroy());
    const { app, dataDir, ports } = installed;

    const db = await openDatabase({ logger, dataDir, embedded: "attach" });
    cleanup.push(() => db.close());
    const [active] = await db.db.select().from(certificates).where(eq(certificates.active, true));
    assert.ok(active, "an active certificate was stored");
    assert.ok(active.selfSigned);
    assert.doesNotMatch(active.privateKeyEncrypted, /PRIVATE KEY/, "the key is stored encrypted");
    const ca = [active.certificatePem];

    // The services box comes up on its HTTPS port with that certificate; HTTP redirects.
    let services = await httpsGet(`https://localhost:${ports.https}/healthz`, active.certificatePem).catch((e: Error) => ({
      status: 0,
      body: e.message,
    }));
    for (let i = 0; i < 120 && services.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 250));
      services = await httpsGet(`https://localhost:${ports.https}/healthz`, active.certificatePem).catch((e: Error) => ({
        status: 0,
        body: e.message,
      }));
    }
    assert.equal(services.status, 200, `services: ${services.body}`);
    const redirect = await new Promise<{ status: number; location?: string }>((resolve, reject) => {
      httpRequest({ host: "127.0.0.1", port: ports.http, path: "/x?y=1", headers: { Host: "localhost" } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, location: res.headers.location });
      })
        .on("error", reject)
        .end();
    });
    assert.deepEqual(redirect, { status: 308, location: `https://localhost:${ports.https}/x?y=1` });

    // The console now serves the same certificate, and the admin can sign in.
    assert.equal(await peerFingerprint(ports.console, ca), active.fingerprintSha256);
    const client = new ConsoleClient(ports.console, ca);
    const login = await client.mutate("auth.login", { password: ADMIN_PASSWORD });
    assert.equal(login.status, 200, JSON.stringify(login.error));
    const cookie = login.setCookie.join(";");
    for (const flag of ["HttpOnly", "Secure", "SameSite=Strict"]) assert.match(cookie, new RegExp(flag));
    const summary = await client.query<{ services: { state: string }; license: { customer: string } }>("dashboard.summary");
    assert.equal(summary.data?.services.state, "running");
    assert.equal(summary.data?.license.customer, "Acme Corp");

    // The supervisor restarts a services box that dies.
    type Services = { services: { pid: number; restarts: number; state: string } };
    const before = await client.query<Services>("dashboard.summary");
    const servicesPid = before.data?.services.pid;
    assert.ok(servicesPid);
    process.kill(servicesPid, "SIGKILL");
    let after = before;
    for (let i = 0; i < 80; i++) {
      await new Promise((r) => setTimeout(r, 250));
      after = await client.query<Services>("dashboard.summary");
      const status = after.data?.services;
      if (status?.state === "running" && status.restarts === 1) break;
    }
    assert.deepEqual(
      { state: after.data?.services.state, restarts: after.data?.services.restarts },
      { state: "running", restarts: 1 },
    );
    assert.notEqual(after.data?.services.pid, servicesPid);

    // Cross-origin state changes are refused.
    const crossOrigin = await client.mutate("auth.logout", undefined, "https://evil.example");
    assert.equal(crossOrigin.status, 403);

    // Live rotation with requests in flight: a keep-alive connection opened before the swap
    // keeps working, a stream of requests during the swap all succeed, and new connections
    // on both listeners present the new certificate.
    // A different subject than the first certificate: OpenSSL finds trust anchors by subject.
    const fresh = createSelfSignedCertificate(["127.0.0.1", "localhost"]);
    const bothCas = [active.certificatePem, fresh.certPem];
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: bothCas });
    cleanup.push(async () => agent.destroy());
    const viaAgent = () =>
      new Promise<{ status: number; reused: boolean }>((resolve, reject) => {
        const req = request({ host: "localhost", port: ports.console, path: "/healthz", agent }, (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
        });
        req.on("error", reject);
        req.end();
      });
    assert.equal((await viaAgent()).status, 200);
    let inFlight = true;
    const traffic = (async () => {
      const results: number[] = [];
      while (inFlight) results.push((await httpsGet(`https://localhost:${ports.console}/healthz`, bothCas.join("\n"))).status);
      return results;
    })();
    client.ca = bothCas;
    const rotated = await client.mutate<{ fingerprintSha256: string }>("wizard.setTls", {
      mode: "pem",
      certificatePem: fresh.certPem,
      privateKeyPem: fresh.keyPem,
    });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.error));
    const newFingerprint = new X509Certificate(fresh.certPem).fingerprint256.replaceAll(":", "").toLowerCase();
    assert.equal(rotated.data?.fingerprintSha256, newFingerprint);
    const kept = await viaAgent();
    assert.deepEqual(kept, { status: 200, reused: true }, "the connection opened before the swap still serves");
    inFlight = false;
    const statuses = await traffic;
    assert.ok(statuses.length > 0 && statuses.every((s) => s === 200), `all in-flight requests succeeded: ${statuses}`);
    assert.equal(await peerFingerprint(ports.console, bothCas), newFingerprint);
    let servicesFingerprint = "";
    for (let i = 0; i < 40 && servicesFingerprint !== newFingerprint; i++) {
      servicesFingerprint = await peerFingerprint(ports.https, bothCas);
      if (servicesFingerprint !== newFingerprint) await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(servicesFingerprint, newFingerprint, "the services listener reloaded the certificate without a restart");

    app.child.kill("SIGTERM");
    assert.equal(await app.exited, 0);
  });

  test("a certificate that does not match its key is refused with the wizard's message, and nothing is stored", async () => {
    const prepared = await prepareAppliance();
    cleanup.push(() => prepared.remove());
    const { dataDir, ports, env } = prepared;
    const a = createSelfSignedCertificate(["localhost"]);
    const b = createSelfSignedCertificate(["localhost"]);
    await writeFile(join(dataDir, "cert.pem"), a.certPem);
    await writeFile(join(dataDir, "key.pem"), b.keyPem);
    const bootstrapFile = await writeBootstrap(prepared, {
      tls: { mode: "key-cert", certFile: join(dataDir, "cert.pem"), keyFile: join(dataDir, "key.pem") },
    });
    const app = startAppliance(dataDir, ports.console, { ...env, CITADEL_BOOTSTRAP: bootstrapFile });
    assert.equal(await app.exited, 1);
    assert.match(app.output(), /private key does not match the certificate/);
    assert.doesNotMatch(app.output(), /BEGIN .*PRIVATE KEY/);

    const db = await openDatabase({ logger, dataDir });
    try {
      const stored = await db.db.select({ key: settings.key }).from(settings);
      assert.deepEqual(
        stored.map((s) => s.key).filter((k) => k !== "bootstrap"),
        [],
        "no setting was stored",
      );
      assert.equal((await db.db.select().from(certificates)).length, 0, "no certificate was stored");
    } finally {
      await db.close();
    }
  });
});
