import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GRACE_DAYS, type IssueInput, type License, verifyLicense } from "../src/index";
import { DAY, EXPIRES, ISSUED, issued } from "./fixtures";

async function licenseFor(input: Partial<IssueInput> = {}): Promise<License> {
  const { token, trust } = await issued(input);
  const result = await verifyLicense(token, trust, { now: ISSUED });
  assert.ok(result.status === "valid", result.message);
  return result.license;
}

const afterExpiry = (days: number, extraMs = 0) => new Date(EXPIRES.getTime() + days * DAY + extraMs);

describe("entitlements", () => {
  it("canAddBuilder and canAddUser allow up to the maximum, not beyond", async () => {
    const license = await licenseFor({ maxBuilders: 3, maxUsers: 2 });
    assert.equal(license.canAddBuilder(0), true);
    assert.equal(license.canAddBuilder(2), true);
    assert.equal(license.canAddBuilder(3), false);
    assert.equal(license.canAddBuilder(4), false);
    assert.equal(license.canAddUser(1), true);
    assert.equal(license.canAddUser(2), false);
  });

  it("absent maximums are unlimited", async () => {
    const license = await licenseFor({ maxBuilders: undefined, maxUsers: undefined });
    assert.equal(license.canAddBuilder(1_000_000), true);
    assert.equal(license.canAddUser(1_000_000), true);
  });

  it("a nonsensical current count is refused", async () => {
    const license = await licenseFor({ maxBuilders: undefined });
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) assert.equal(license.canAddBuilder(bad), false);
  });

  it("hasFeature reports only the features the license names", async () => {
    const license = await licenseFor({ features: ["lxc", "s3-storage"] });
    assert.equal(license.hasFeature("lxc"), true);
    assert.equal(license.hasFeature("s3-storage"), true);
    assert.equal(license.hasFeature("autoscaling"), false);
    assert.equal(license.hasFeature("ssh-rerun"), false);
  });
});

describe("daysLeft", () => {
  it("counts whole days to expiry, negative after, null when perpetual", async () => {
    const license = await licenseFor();
    assert.equal(license.daysLeft(new Date(EXPIRES.getTime() - 10 * DAY)), 10);
    assert.equal(license.daysLeft(new Date(EXPIRES.getTime() - 10 * DAY + 1)), 9);
    assert.equal(license.daysLeft(new Date(EXPIRES.getTime() - 1)), 0);
    assert.equal(license.daysLeft(afterExpiry(2)), -2);
    assert.equal((await licenseFor({ expiresAt: undefined })).daysLeft(afterExpiry(5000)), null);
  });
});

describe("buildsAllowed with block-builds", () => {
  it("allows builds without a warning while valid", async () => {
    const license = await licenseFor();
    assert.deepEqual(license.buildsAllowed(new Date(EXPIRES.getTime() - 1)), { allowed: true, warning: null });
  });

  it("allows builds with a warning through day 13 of the grace period", async () => {
    const license = await licenseFor();
    const day0 = license.buildsAllowed(afterExpiry(0));
    assert.ok(day0.allowed && day0.warning !== null);
    assert.match(day0.warning, /expired 2027-01-01.*builds stop 2027-01-15 \(14 days of grace left\)/);
    const day13 = license.buildsAllowed(afterExpiry(13));
    assert.ok(day13.allowed && day13.warning !== null);
    assert.match(day13.warning, /13 days ago.*\(1 day of grace left\)/);
    const lastMoment = license.buildsAllowed(afterExpiry(GRACE_DAYS, -1));
    assert.equal(lastMoment.allowed, true);
  });

  it("stops builds from day 14 (the end of the 14-day grace period) on", async () => {
    const license = await licenseFor();
    for (const day of [14, 15, 400]) {
      const gate = license.buildsAllowed(afterExpiry(day));
      assert.ok(!gate.allowed, `day ${day} should be blocked`);
      assert.match(gate.reason, /grace period ended 2027-01-15, builds are stopped until the license is renewed/);
    }
  });

  it("refuses builds before the license is valid (appliance clock behind)", async () => {
    const license = await licenseFor();
    const gate = license.buildsAllowed(new Date(ISSUED.getTime() - DAY));
    assert.ok(!gate.allowed);
    assert.match(gate.reason, /not valid before/);
  });

  it("never stops a perpetual license", async () => {
    const license = await licenseFor({ expiresAt: undefined });
    assert.deepEqual(license.buildsAllowed(afterExpiry(10_000)), { allowed: true, warning: null });
  });
});

describe("buildsAllowed with warn-only", () => {
  it("never stops builds after expiry, but warns", async () => {
    const license = await licenseFor({ expiryPolicy: "warn-only" });
    assert.deepEqual(license.buildsAllowed(new Date(EXPIRES.getTime() - 1)), { allowed: true, warning: null });
    for (const day of [0, 13, 14, 15, 1000]) {
      const gate = license.buildsAllowed(afterExpiry(day));
      assert.ok(gate.allowed && gate.warning !== null, `day ${day}`);
      assert.match(gate.warning, /warn-only/);
    }
  });
});
