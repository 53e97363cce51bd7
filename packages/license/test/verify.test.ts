import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { CompactSign, exportSPKI, importJWK } from "jose";
import { inspectLicense, issueLicense, LICENSE_TYPE, loadTrustStore, type VerifyResult, verifyLicense } from "../src/index";
import { b64json, DAY, decodePart, EXPIRES, ISSUED, issued, tamperHeader, tamperPayload, testKeys } from "./fixtures";

const NOW = new Date(ISSUED.getTime() + 30 * DAY);

function expectStatus(result: VerifyResult, status: VerifyResult["status"], pattern?: RegExp): void {
  assert.equal(result.status, status, `expected ${status}, got ${result.status}: ${result.message}`);
  assert.ok(result.message.length > 0 && !result.message.includes("\n"), "one-line message");
  if (pattern) assert.match(result.message, pattern);
}

describe("verifyLicense: a valid license", () => {
  it("accepts a license signed by a trusted key and exposes its claims", async () => {
    const { token, trust } = await issued();
    const result = await verifyLicense(token, trust, { now: NOW });
    expectStatus(result, "valid", /lic-0001 for Acme Corp is valid \(expires 2027-01-01, 335 days left\)/);
    assert.ok(result.status === "valid");
    assert.equal(result.license.kid, "test-key");
    assert.deepEqual(result.license.claims.entitlements, {
      maxBuilders: 10,
      maxUsers: 50,
      features: ["lxc", "ssh-rerun"],
      expiryPolicy: "block-builds",
    });
    assert.equal(result.license.claims.channel, "stable");
    assert.deepEqual(result.license.unknownClaims, {});
  });

  it("accepts the token as bytes with a trailing newline, as read from a file", async () => {
    const { token, trust } = await issued();
    expectStatus(await verifyLicense(Buffer.from(`${token}\n`), trust, { now: NOW }), "valid");
  });

  it("treats a license without expiresAt as perpetual", async () => {
    const { token, trust } = await issued({ expiresAt: undefined });
    const result = await verifyLicense(token, trust, { now: new Date("2099-01-01T00:00:00Z") });
    expectStatus(result, "valid", /perpetual/);
  });

  it("signs the header with EdDSA, the key's kid and the license typ", async () => {
    const { token } = await issued();
    assert.deepEqual(decodePart(token.split(".")[0]), { alg: "EdDSA", kid: "test-key", typ: LICENSE_TYPE });
  });
});

describe("verifyLicense: tampering", () => {
  const changes: Record<string, (claims: Record<string, unknown>) => void> = {
    id: (c) => {
      c.id = "lic-0002";
    },
    customer: (c) => {
      c.customer = "Evil Corp";
    },
    issuedAt: (c) => {
      c.issuedAt = "2025-01-01T00:00:00.000Z";
    },
    "expiresAt (extended)": (c) => {
      c.expiresAt = "2099-01-01T00:00:00.000Z";
    },
    "expiresAt (removed: perpetual)": (c) => {
      delete c.expiresAt;
    },
    channel: (c) => {
      c.channel = "beta";
    },
    "entitlements.maxBuilders": (c) => {
      (c.entitlements as Record<string, unknown>).maxBuilders = 1000;
    },
    "entitlements.maxBuilders (removed: unlimited)": (c) => {
      delete (c.entitlements as Record<string, unknown>).maxBuilders;
    },
    "entitlements.maxUsers": (c) => {
      (c.entitlements as Record<string, unknown>).maxUsers = 5000;
    },
    "entitlements.features": (c) => {
      (c.entitlements as Record<string, unknown>).features = ["lxc", "ssh-rerun", "autoscaling"];
    },
    "entitlements.expiryPolicy": (c) => {
      (c.entitlements as Record<string, unknown>).expiryPolicy = "warn-only";
    },
    "an added claim": (c) => {
      c.note = "unlimited everything";
    },
  };

  for (const [name, change] of Object.entries(changes)) {
    it(`refuses a license whose ${name} was changed`, async () => {
      const { token, trust } = await issued();
      const tampered = tamperPayload(token, change);
      assert.notEqual(tampered, token);
      expectStatus(await verifyLicense(tampered, trust, { now: NOW }), "bad-signature", /signature does not hold/);
    });
  }

  it("refuses a changed header typ, and a kid pointing at another trusted key", async () => {
    const { token, trust, pair } = await issued();
    const retyped = tamperHeader(token, (h) => {
      h.typ = "JWT";
    });
    expectStatus(await verifyLicense(retyped, trust, { now: NOW }), "bad-signature");
    const other = await testKeys("other-key");
    const both = await loadTrustStore({ vendorKeys: false, extraJwks: { keys: [...pair.jwks.keys, ...other.pair.jwks.keys] } });
    const swapped = tamperHeader(token, (h) => {
      h.kid = "other-key";
    });
    expectStatus(await verifyLicense(swapped, both, { now: NOW }), "bad-signature");
  });

  it("ignores a key embedded in the header (jwk) and still refuses a forged signature", async () => {
    const { trust } = await issued();
    const attacker = await testKeys("test-key");
    const key = await importJWK(attacker.pair.privateJwk, "EdDSA");
    const claims = { id: "x", customer: "Evil", issuedAt: ISSUED.toISOString(), channel: "stable" };
    const forged = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: "EdDSA", kid: "test-key", typ: LICENSE_TYPE, jwk: attacker.pair.publicJwk })
      .sign(key);
    expectStatus(await verifyLicense(forged, trust, { now: NOW }), "bad-signature");
  });
});

describe("verifyLicense: keys and algorithms", () => {
  it("reports a license signed by an untrusted key as unknown-key, naming the kid", async () => {
    const { trust } = await testKeys("trusted");
    const stranger = await testKeys("stranger");
    const { token } = await issueLicense(stranger.pair.privateJwk, { customer: "Acme" }, { now: ISSUED });
    const result = await verifyLicense(token, trust, { now: NOW });
    expectStatus(result, "unknown-key", /"stranger".*does not trust/);
    assert.ok(result.status === "unknown-key" && result.kid === "stranger");
  });

  it("refuses a license signed by an untrusted key that reuses a trusted kid", async () => {
    const { trust } = await testKeys("same-kid");
    const impostor = await testKeys("same-kid");
    const { token } = await issueLicense(impostor.pair.privateJwk, { customer: "Acme" }, { now: ISSUED });
    expectStatus(await verifyLicense(token, trust, { now: NOW }), "bad-signature");
  });

  it("refuses alg none", async () => {
    const { token, trust } = await issued();
    const [, payload] = token.split(".");
    for (const alg of ["none", "None", "NONE"]) {
      const unsigned = `${b64json({ alg, kid: "test-key", typ: LICENSE_TYPE })}.${payload}.`;
      expectStatus(await verifyLicense(unsigned, trust, { now: NOW }), "bad-signature", /only EdDSA/);
    }
  });

  it("refuses HS256 signed with the public key as the HMAC secret", async () => {
    const { token, trust, pair } = await issued();
    const payload = new TextEncoder().encode(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));
    const publicKey = await importJWK(pair.publicJwk, "EdDSA");
    assert.ok(!(publicKey instanceof Uint8Array));
    const secrets = [
      Buffer.from(pair.publicJwk.x, "base64url"),
      new TextEncoder().encode(JSON.stringify(pair.publicJwk)),
      new TextEncoder().encode(await exportSPKI(publicKey)),
    ];
    for (const secret of secrets) {
      for (const alg of ["HS256", "HS512"]) {
        const forged = await new CompactSign(payload)
          .setProtectedHeader({ alg, kid: "test-key", typ: LICENSE_TYPE })
          .sign(secret);
        expectStatus(await verifyLicense(forged, trust, { now: NOW }), "bad-signature", new RegExp(`"${alg}".*only EdDSA`));
      }
    }
  });

  it("refuses any other algorithm name, including the fully specified Ed25519", async () => {
    const { token, trust } = await issued();
    for (const alg of ["ES256", "RS256", "Ed25519", "PS256"]) {
      const changed = tamperHeader(token, (h) => {
        h.alg = alg;
      });
      expectStatus(await verifyLicense(changed, trust, { now: NOW }), "bad-signature", /only EdDSA/);
    }
  });

  it("refuses crit header parameters", async () => {
    const { token, trust } = await issued();
    const changed = tamperHeader(token, (h) => {
      h.b64 = false;
      h.crit = ["b64"];
    });
    expectStatus(await verifyLicense(changed, trust, { now: NOW }), "malformed", /unsupported/);
  });
});

describe("verifyLicense: time", () => {
  it("reports an expired license with the days since expiry", async () => {
    const { token, trust } = await issued();
    const result = await verifyLicense(token, trust, { now: new Date(EXPIRES.getTime() + 3 * DAY + 1000) });
    expectStatus(result, "expired", /expired 2027-01-01 \(3 days ago\)/);
    assert.ok(result.status === "expired" && result.daysSince === 3 && result.license.id === "lic-0001");
  });

  it("counts a license as expired from the exact expiry instant", async () => {
    const { token, trust } = await issued();
    expectStatus(await verifyLicense(token, trust, { now: new Date(EXPIRES.getTime() - 1) }), "valid", /0 days left/);
    expectStatus(await verifyLicense(token, trust, { now: EXPIRES }), "expired", /less than a day ago/);
  });

  it("reports a license issued in the future as not-yet-valid (beyond a 10-minute clock tolerance)", async () => {
    const { token, trust } = await issued();
    expectStatus(await verifyLicense(token, trust, { now: new Date(ISSUED.getTime() - DAY) }), "not-yet-valid", /clock/);
    expectStatus(await verifyLicense(token, trust, { now: new Date(ISSUED.getTime() - 5 * 60_000) }), "valid");
  });
});

describe("verifyLicense: malformed input", () => {
  async function quickly(input: string | Uint8Array, pattern: RegExp): Promise<void> {
    const { trust } = await testKeys();
    const started = performance.now();
    const result = await verifyLicense(input, trust, { now: NOW });
    const elapsed = performance.now() - started;
    expectStatus(result, "malformed", pattern);
    assert.ok(elapsed < 250, `took ${elapsed.toFixed(0)} ms`);
  }

  it("empty and blank input", async () => {
    await quickly("", /empty/);
    await quickly(" \n\t\n", /empty/);
    await quickly(new Uint8Array(0), /empty/);
  });

  it("binary input", async () => {
    await quickly(Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x80]), randomBytes(4096)]), /binary/);
    await quickly("\u0000\u0001.\u0002.\u0003", /unexpected characters/);
  });

  it("10 MB input, as text and as bytes, is refused by size before parsing", async () => {
    const big = "a".repeat(10 * 1024 * 1024);
    await quickly(big, /too large \(10\.0 MiB\).*at most 64 KiB/);
    await quickly(Buffer.alloc(10 * 1024 * 1024, 0x2e), /too large/);
  });

  it("truncated licenses at several points", async () => {
    const { token, trust } = await issued();
    const [header = "", payload = ""] = token.split(".");
    const cases: Array<[string, RegExp]> = [
      [token.slice(0, 10), /expected 3 dot-separated parts, found 1/],
      [token.slice(0, header.length + 20), /found 2/],
      [token.slice(0, header.length + 1 + payload.length + 1), /signature is 0 bytes/],
      [token.slice(0, token.length - 20), /signature is \d+ bytes.*truncated/],
    ];
    for (const [input, pattern] of cases) {
      const result = await verifyLicense(input, trust, { now: NOW });
      expectStatus(result, "malformed", pattern);
    }
  });

  it("a header that is not JSON, and one without kid", async () => {
    const { token, trust } = await issued();
    const [, payload, signature] = token.split(".");
    expectStatus(await verifyLicense(`bm90IGpzb24.${payload}.${signature}`, trust), "malformed", /header is not/);
    expectStatus(await verifyLicense(`${b64json({ alg: "EdDSA" })}.${payload}.${signature}`, trust), "malformed", /'kid'/);
  });

  it("correctly signed data that is not a license", async () => {
    const { pair, trust } = await testKeys();
    const key = await importJWK(pair.privateJwk, "EdDSA");
    const sign = (payload: unknown, typ = LICENSE_TYPE) =>
      new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: "EdDSA", kid: "test-key", typ })
        .sign(key);
    const base = { id: "x", customer: "Acme", issuedAt: ISSUED.toISOString(), channel: "stable" };
    const entitlements = { features: [], expiryPolicy: "block-builds" };
    const cases: Array<[string, RegExp]> = [
      [await sign({ ...base, entitlements }, "JWT"), /not a Citadel license/],
      [await sign([1, 2, 3]), /not a JSON object/],
      [await sign(base), /'entitlements'/],
      [await sign({ ...base, channel: "nightly", entitlements }), /'channel'/],
      [await sign({ ...base, entitlements: { ...entitlements, maxBuilders: -1 } }), /'entitlements.maxBuilders'/],
      [await sign({ ...base, expiresAt: "2025-01-01T00:00:00.000Z", entitlements }), /'expiresAt'.*after issuedAt/],
    ];
    for (const [input, pattern] of cases) {
      const inspection = await inspectLicense(input, trust, { now: NOW });
      expectStatus(inspection.result, "malformed", pattern);
      assert.equal(inspection.signature, "valid");
    }
  });
});

describe("inspectLicense", () => {
  it("shows the claims and unknown claims of a valid license", async () => {
    const { pair, trust } = await testKeys();
    const key = await importJWK(pair.privateJwk, "EdDSA");
    const claims = {
      id: "lic-9",
      customer: "Acme",
      issuedAt: ISSUED.toISOString(),
      channel: "beta",
      entitlements: { features: ["lxc", "gpu"], expiryPolicy: "warn-only", maxGpus: 4 },
      supportTier: "gold",
    };
    const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: "EdDSA", kid: "test-key", typ: LICENSE_TYPE })
      .sign(key);
    const inspection = await inspectLicense(token, trust, { now: NOW });
    expectStatus(inspection.result, "valid");
    assert.equal(inspection.signature, "valid");
    assert.deepEqual(inspection.payload, claims);
    assert.ok(inspection.result.status === "valid");
    assert.deepEqual(inspection.result.license.unknownClaims, { supportTier: "gold", "entitlements.maxGpus": 4 });
    assert.equal(inspection.result.license.hasFeature("lxc"), true);
  });

  it("shows the claims of a tampered license and says the signature does not hold", async () => {
    const { token, trust } = await issued();
    const tampered = tamperPayload(token, (c) => {
      c.customer = "Evil Corp";
    });
    const inspection = await inspectLicense(tampered, trust, { now: NOW });
    assert.equal(inspection.signature, "invalid");
    assert.equal((inspection.payload as { customer: string }).customer, "Evil Corp");
    assert.equal(inspection.header?.kid, "test-key");
  });

  it("reports unknown-key and not-checked signatures", async () => {
    const { token } = await issued();
    const { trust } = await testKeys("someone-else");
    assert.equal((await inspectLicense(token, trust)).signature, "unknown-key");
    const broken = await inspectLicense("garbage", trust);
    assert.equal(broken.signature, "not-checked");
    assert.equal(broken.payload, null);
  });
});
