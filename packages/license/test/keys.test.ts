import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  generateSigningKey,
  issueLicense,
  LicenseClaimsError,
  LicenseKeyError,
  loadTrustStore,
  verifyLicense,
} from "../src/index";
import { ISSUED } from "./fixtures";

let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "citadel-license-keys-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("shipped vendor keys", () => {
  it("hold only public Ed25519 keys and load into the default trust store", async () => {
    const jwks = JSON.parse(await readFile(new URL("../keys/vendor.jwks.json", import.meta.url), "utf8")) as {
      keys: Array<Record<string, unknown>>;
    };
    assert.ok(jwks.keys.length >= 1);
    for (const key of jwks.keys) {
      assert.equal("d" in key, false, "no private key material");
      assert.equal(key.crv, "Ed25519");
    }
    const trust = await loadTrustStore();
    assert.deepEqual(
      trust.kids(),
      jwks.keys.map((k) => k.kid),
    );
  });
});

describe("loadTrustStore", () => {
  it("adds the keys of an extra JWKS file to the vendor keys", async () => {
    const pair = await generateSigningKey("dev-key");
    const path = join(dir, "dev.jwks.json");
    await writeFile(path, JSON.stringify(pair.jwks));
    const trust = await loadTrustStore({ extraJwksPath: path });
    assert.ok(trust.get("dev-key"));
    assert.ok(trust.kids().length >= 2);
    const { token } = await issueLicense(pair.privateJwk, { customer: "Dev" }, { now: ISSUED });
    assert.equal((await verifyLicense(token, trust, { now: ISSUED })).status, "valid");
  });

  it("trusts several keys by kid, for vendor key rotation", async () => {
    const oldKey = await generateSigningKey("vendor-2026");
    const newKey = await generateSigningKey("vendor-2027");
    const trust = await loadTrustStore({ vendorKeys: false, extraJwks: { keys: [...oldKey.jwks.keys, ...newKey.jwks.keys] } });
    for (const pair of [oldKey, newKey]) {
      const { token } = await issueLicense(pair.privateJwk, { customer: "Acme" }, { now: ISSUED });
      const result = await verifyLicense(token, trust, { now: ISSUED });
      assert.ok(result.status === "valid" && result.license.kid === pair.kid);
    }
  });

  it("refuses missing files, bad JSON, non-JWKS, duplicate kids and private keys with typed errors", async () => {
    const pair = await generateSigningKey("dup");
    const badJson = join(dir, "bad.json");
    await writeFile(badJson, "{ nope");
    await assert.rejects(loadTrustStore({ extraJwksPath: join(dir, "missing.json") }), (e: unknown) => {
      return e instanceof LicenseKeyError && /missing\.json: no such file/.test(e.message);
    });
    await assert.rejects(loadTrustStore({ extraJwksPath: badJson }), /not valid JSON/);
    await assert.rejects(loadTrustStore({ extraJwks: [1, 2] }), /not a JWKS/);
    await assert.rejects(loadTrustStore({ extraJwks: { keys: [pair.publicJwk, pair.publicJwk] } }), /'dup' appears twice/);
    await assert.rejects(
      loadTrustStore({ extraJwks: { keys: [{ kty: "RSA", kid: "r", n: "x", e: "AQAB" }] } }),
      /not an Ed25519/,
    );
    await assert.rejects(loadTrustStore({ extraJwks: { keys: [pair.privateJwk] } }), (e: unknown) => {
      assert.ok(e instanceof LicenseKeyError);
      assert.match(e.message, /private key material/);
      assert.ok(!e.message.includes(pair.privateJwk.d), "the secret is never in a message");
      return true;
    });
  });
});

describe("generateSigningKey and issueLicense", () => {
  it("derives the kid from the key thumbprint by default", async () => {
    const a = await generateSigningKey();
    const b = await generateSigningKey();
    assert.match(a.kid, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a.kid, b.kid);
    assert.equal("d" in a.publicJwk, false);
    assert.deepEqual(a.jwks, { keys: [a.publicJwk] });
  });

  it("refuses a public or foreign key as signing key without echoing it", async () => {
    const pair = await generateSigningKey("k");
    await assert.rejects(issueLicense(pair.publicJwk, { customer: "Acme" }), (e: unknown) => {
      return e instanceof LicenseKeyError && /not an Ed25519 private JWK.*'d'/.test(e.message);
    });
    const broken = { ...pair.privateJwk, crv: "X25519" };
    await assert.rejects(issueLicense(broken, { customer: "Acme" }), (e: unknown) => {
      assert.ok(e instanceof LicenseKeyError);
      assert.ok(!e.message.includes(pair.privateJwk.d));
      return true;
    });
  });

  it("refuses bad claims: empty customer, zero builders, expiry before issue", async () => {
    const { privateJwk } = await generateSigningKey("k");
    const cases: Array<[Parameters<typeof issueLicense>[1], RegExp]> = [
      [{ customer: "  " }, /'customer'/],
      [{ customer: "Acme", maxBuilders: 0 }, /'entitlements.maxBuilders'/],
      [{ customer: "Acme", maxUsers: 2.5 }, /'entitlements.maxUsers'/],
      [{ customer: "Acme", features: ["Not A Feature!"] }, /'entitlements.features.0'/],
      [{ customer: "Acme", expiresAt: new Date("2025-01-01") }, /'expiresAt'.*after issuedAt/],
    ];
    for (const [input, pattern] of cases) {
      await assert.rejects(issueLicense(privateJwk, input, { now: ISSUED }), (e: unknown) => {
        return e instanceof LicenseClaimsError && pattern.test(e.message);
      });
    }
  });
});
