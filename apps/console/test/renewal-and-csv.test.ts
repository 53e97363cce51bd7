import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { activeCertificate } from "@citadel/db";
import { pino } from "pino";
import { type TestDatabase, testDatabase } from "../../../test/support/database";
import type { AppContext } from "../src/app-context";
import { recordAudit } from "../src/domain/audit";
import { auditCsv } from "../src/domain/audit-query";
import { setTls } from "../src/domain/install";
import { putSetting } from "../src/domain/settings";
import { renewSelfSignedIfDue } from "../src/tls/renewal-schedule";

let t: TestDatabase;
before(async () => {
  t = await testDatabase();
});
after(async () => t.close());

function appContext(applied: string[]): AppContext {
  return {
    db: t.database.db,
    keyring: t.keyring,
    applyConsoleCertificate: (certificate: { fingerprintSha256: string }) => applied.push(certificate.fingerprintSha256),
  } as unknown as AppContext;
}

test("a self-signed certificate renews itself 30 days before it expires, and is applied live", async () => {
  const applied: string[] = [];
  const app = appContext(applied);
  await putSetting(t.database.db, "hostname", { hostname: "ci.example.test" });
  await setTls(app, { mode: "self-signed" }, { actor: "admin", ip: null });
  const first = await activeCertificate(t.database.db, t.keyring);
  assert.ok(first);
  const logger = pino({ level: "silent" });
  assert.equal(await renewSelfSignedIfDue(app, logger, new Date(first.notAfter.getTime() - 31 * 86_400_000)), false);
  assert.equal(await renewSelfSignedIfDue(app, logger, new Date(first.notAfter.getTime() - 29 * 86_400_000)), true);
  const renewed = await activeCertificate(t.database.db, t.keyring);
  assert.ok(renewed && renewed.fingerprintSha256 !== first.fingerprintSha256);
  assert.ok(renewed.notAfter.getTime() >= first.notAfter.getTime(), "the new one lasts at least as long");
  assert.deepEqual(renewed.hostnames.includes("ci.example.test"), true);
  assert.equal(applied.at(-1), renewed.fingerprintSha256, "the console listener got the new certificate");
});

test("the audit CSV export quotes every field and defuses spreadsheet formulas", async () => {
  await recordAudit(t.database.db, {
    actor: "admin",
    action: "settings.hostname",
    details: { to: '=HYPERLINK("x")' },
    ip: "127.0.0.1",
  });
  await recordAudit(t.database.db, { actor: "=SUM(A1)", action: "settings.hostname", ip: "127.0.0.1" });
  await recordAudit(t.database.db, { actor: "admin", action: "login", ip: "127.0.0.1" });
  let csv = "";
  for await (const chunk of auditCsv(t.database.db, { action: "settings.hostname" })) csv += chunk;
  const lines = csv.trim().split("\n");
  assert.equal(lines[0], "id,at,actor,action,target,ip,details,prev_hash,hash");
  assert.ok(lines.length >= 2 && lines.slice(1).every((line) => line.includes('"settings.hostname"')));
  assert.ok(!lines.some((line) => line.includes('"login"')), "the filter applies");
  assert.match(csv, /"\{""to"":""=HYPERLINK\(\\""x\\""\)""\}"/, "details are quoted JSON");
  assert.match(csv, /,"'=SUM\(A1\)",/, "a field starting with = is prefixed so a spreadsheet shows it as text");
});
