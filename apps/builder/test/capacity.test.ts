import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { computeCapacity } from "../src/capacity";
import { CapacityError } from "../src/errors";

const GIB = 1024 ** 3;

describe("computeCapacity", () => {
  test("reserves 2 CPU / 4 GiB and fits 2 CPU / 4 GiB containers by default", () => {
    assert.deepEqual(computeCapacity({ cpus: 16, memoryBytes: 64 * GIB }), {
      slots: 7,
      override: false,
      computedSlots: 7,
      containerCpus: 2,
      containerMemoryBytes: 4 * GIB,
    });
  });

  test("memory caps the CPU count and CPU caps the memory count", () => {
    assert.equal(computeCapacity({ cpus: 32, memoryBytes: 16 * GIB }).slots, 3);
    assert.equal(computeCapacity({ cpus: 8, memoryBytes: 256 * GIB }).slots, 3);
  });

  test("exactly one container's worth over the reserve gives one slot; a byte less gives an error", () => {
    assert.equal(computeCapacity({ cpus: 4, memoryBytes: 8 * GIB }).slots, 1);
    assert.throws(() => computeCapacity({ cpus: 4, memoryBytes: 8 * GIB - 1 }), CapacityError);
    assert.throws(() => computeCapacity({ cpus: 3.99, memoryBytes: 8 * GIB }), CapacityError);
  });

  test("configurable container size, fractional CPUs floored without float error", () => {
    assert.equal(computeCapacity({ cpus: 2.3, memoryBytes: 100 * GIB, containerCpus: 0.1, containerMemoryBytes: GIB }).slots, 3);
    assert.equal(computeCapacity({ cpus: 6, memoryBytes: 12 * GIB, containerCpus: 1, containerMemoryBytes: 2 * GIB }).slots, 4);
  });

  test("a box too small says why, with the numbers", () => {
    assert.throws(
      () => computeCapacity({ cpus: 2, memoryBytes: 4 * GIB }),
      (error: unknown) =>
        error instanceof CapacityError &&
        /too small for one job container/.test(error.message) &&
        error.message.includes("2 CPUs − 2 reserved < 2 per container") &&
        error.message.includes("4 GiB memory − 4 GiB reserved < 4 GiB per container") &&
        error.message.includes("--slots"),
    );
    assert.throws(
      () => computeCapacity({ cpus: 64, memoryBytes: 6 * GIB }),
      (error: unknown) =>
        error instanceof CapacityError && !error.message.includes("CPUs") && error.message.includes("6 GiB memory"),
    );
  });

  test("an override wins, is flagged, and reports the computed count next to it", () => {
    assert.deepEqual(computeCapacity({ cpus: 2, memoryBytes: 4 * GIB, slotsOverride: 2 }), {
      slots: 2,
      override: true,
      computedSlots: 0,
      containerCpus: 2,
      containerMemoryBytes: 4 * GIB,
    });
    assert.equal(computeCapacity({ cpus: 16, memoryBytes: 64 * GIB, slotsOverride: 1 }).computedSlots, 7);
  });

  test("nonsense input is refused with a message", () => {
    for (const slotsOverride of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => computeCapacity({ cpus: 8, memoryBytes: 32 * GIB, slotsOverride }), /slots override/);
    }
    assert.throws(() => computeCapacity({ cpus: 0, memoryBytes: 32 * GIB }), /CPU count must be a positive number/);
    assert.throws(() => computeCapacity({ cpus: 8, memoryBytes: 32 * GIB, containerCpus: 0 }), /containerCpus/);
    assert.throws(() => computeCapacity({ cpus: 8, memoryBytes: Number.POSITIVE_INFINITY }), /memory/);
  });
});
