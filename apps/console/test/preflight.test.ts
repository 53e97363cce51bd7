import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import {
  findListeners,
  heldByPids,
  newestSourceMtime,
  type PreflightDeps,
  type PreflightResult,
  preflightBlocksStart,
  runPreflight,
  tryBind,
} from "../src/preflight/index";

const GIB = 1024 ** 3;
const NOW = new Date("2026-06-01T12:00:00Z");

/** Every dependency faked to pass; each test overrides the one it is about. */
function passing(overrides: Partial<PreflightDeps> = {}): PreflightDeps {
  return {
    dataDir: "/var/lib/citadel",
    postgresVersion: async () => "160004",
    cpuCount: () => 4,
    totalMemoryBytes: () => 16 * GIB,
    freeDiskBytes: async () => 100 * GIB,
    bindPort: async () => "free",
    portListeners: async () => ({ listening: false, pids: [] }),
    now: () => NOW,
    buildTime: async () => new Date("2026-05-01T00:00:00Z"),
    dockerPing: async () => "OK",
    ...overrides,
  };
}

async function check(id: string, overrides: Partial<PreflightDeps>): Promise<PreflightResult> {
  const results = await runPreflight(passing(overrides));
  const result = results.find((candidate) => candidate.id === id);
  assert.ok(result, `no result with id ${id} in ${results.map((r) => r.id).join(", ")}`);
  return result;
}

function assertResult(result: PreflightResult, status: PreflightResult["status"], reason: RegExp) {
  assert.equal(result.status, status, result.reason);
  assert.match(result.reason, reason);
}

test("with everything passing: one result per check, in a fixed order, and Start is not blocked", async () => {
  const results = await runPreflight(passing());
  assert.deepEqual(
    results.map((result) => [result.id, result.status]),
    [
      ["cpu", "pass"],
      ["memory", "pass"],
      ["disk", "pass"],
      ["port-80", "pass"],
      ["port-443", "pass"],
      ["postgres", "pass"],
      ["clock", "pass"],
      ["docker", "pass"],
    ],
  );
  assert.equal(preflightBlocksStart(results), false);
});

test("preflightBlocksStart: any fail blocks, warnings do not", () => {
  const result = (status: PreflightResult["status"]): PreflightResult => ({ id: "x", title: "X", status, reason: "" });
  assert.equal(preflightBlocksStart([result("pass"), result("warn")]), false);
  assert.equal(preflightBlocksStart([result("pass"), result("fail")]), true);
});

describe("CPUs, memory, disk", () => {
  test("CPUs: fewer than 2 fails", async () => {
    assertResult(await check("cpu", { cpuCount: () => 1 }), "fail", /^Only 1 CPU available; Citadel needs at least 2\.$/);
    assertResult(await check("cpu", { cpuCount: () => 2 }), "pass", /^2 CPUs available/);
  });

  test("memory: under 4 GiB fails; a 4 GiB machine (which reports ~3.8 GiB) passes", async () => {
    assertResult(
      await check("memory", { totalMemoryBytes: () => 2 * GIB }),
      "fail",
      /^Only 2 GiB of memory; Citadel needs at least 4 GiB\.$/,
    );
    assertResult(await check("memory", { totalMemoryBytes: () => 3.8 * GIB }), "pass", /^3\.8 GiB of memory/);
    assertResult(await check("memory", { totalMemoryBytes: () => 3.5 * GIB }), "fail", /^Only 3\.5 GiB/);
  });

  test("disk: under 2 GiB fails, under 20 GiB warns, naming the data dir", async () => {
    assertResult(
      await check("disk", { freeDiskBytes: async () => 1.5 * GIB }),
      "fail",
      /^1\.5 GiB free in \/var\/lib\/citadel; at least 2 GiB/,
    );
    assertResult(
      await check("disk", { freeDiskBytes: async () => 10 * GIB }),
      "warn",
      /^10 GiB free in \/var\/lib\/citadel; 20 GiB or more is recommended/,
    );
    assertResult(await check("disk", { freeDiskBytes: async () => 250 * GIB }), "pass", /^250 GiB free/);
  });

  test("a check that breaks fails, saying why", async () => {
    const broken = async () => {
      throw new Error("EIO: i/o error, statfs '/var/lib/citadel'");
    };
    assertResult(await check("disk", { freeDiskBytes: broken }), "fail", /^The check could not run: EIO: i\/o error/);
  });

  test("free disk is read from the nearest existing ancestor of a data dir not made yet", async () => {
    const { freeDiskBytes } = await import("../src/preflight/resources");
    const bytes = await freeDiskBytes(join(tmpdir(), "citadel-not-made-yet", "data"));
    assert.ok(bytes > 0);
  });
});

describe("ports", () => {
  test("a taken port held by another process fails, naming its pid", async () => {
    const result = await check("port-443", {
      bindPort: async (port) => (port === 443 ? "in-use" : "free"),
      portListeners: async () => ({ listening: true, pids: [4242] }),
    });
    assertResult(result, "fail", /^Port 443 is in use by another process \(pid 4242\); stop it or move it/);
  });

  test("a taken port held by our own services box passes", async () => {
    const result = await check("port-80", {
      bindPort: async () => "in-use",
      portListeners: async () => ({ listening: true, pids: [777] }),
      isOurPort: heldByPids(() => [777]),
    });
    assertResult(result, "pass", /held by Citadel's own services box/);
  });

  test("not root (EACCES): free-looking ports warn that binding needs root; a seen listener still fails", async () => {
    assertResult(await check("port-80", { bindPort: async () => "denied" }), "warn", /binding it needs root/);
    const taken = await check("port-80", {
      bindPort: async () => "denied",
      portListeners: async () => ({ listening: true, pids: [] }),
    });
    assertResult(taken, "fail", /^Port 80 is in use by another process;/);
  });

  test("when listeners cannot be listed, a bind that said in use still fails", async () => {
    const result = await check("port-80", {
      bindPort: async () => "in-use",
      portListeners: async () => {
        throw new Error("EACCES: /proc/net/tcp");
      },
    });
    assertResult(result, "fail", /^Port 80 is in use/);
  });

  test("for real: tryBind and findListeners see a port this process holds, and heldByPids calls it ours", async () => {
    const server = createServer().listen({ port: 0, host: "0.0.0.0" });
    await once(server, "listening");
    const address = server.address();
    assert.ok(address !== null && typeof address === "object");
    const { port } = address;
    assert.equal(await tryBind(port), "in-use");
    const listeners = await findListeners(port);
    assert.equal(listeners.listening, true);
    assert.ok(listeners.pids.includes(process.pid), `pids ${listeners.pids.join(",")} do not include ${process.pid}`);
    const results = await runPreflight(
      passing({ ports: [port], bindPort: tryBind, portListeners: findListeners, isOurPort: heldByPids(() => [process.pid]) }),
    );
    assertResult(results.find((result) => result.id === `port-${port}`) as PreflightResult, "pass", /own services box/);
    server.close();
    await once(server, "close");
    assert.equal(await tryBind(port), "free");
    assert.deepEqual(await findListeners(port), { listening: false, pids: [] });
  });
});

describe("PostgreSQL", () => {
  test("14 or newer passes, older fails naming the version", async () => {
    assertResult(await check("postgres", { postgresVersion: async () => "160004" }), "pass", /^PostgreSQL 16\.4 is reachable\.$/);
    assertResult(await check("postgres", { postgresVersion: async () => 140000 }), "pass", /PostgreSQL 14\.0/);
    assertResult(
      await check("postgres", { postgresVersion: async () => "130011" }),
      "fail",
      /^PostgreSQL 13\.11 is too old; Citadel needs 14 or newer\.$/,
    );
    assertResult(await check("postgres", { postgresVersion: async () => "90624" }), "fail", /^PostgreSQL 9\.6\.24 is too old/);
  });

  test("unreachable fails with the reason, never the password in a URL", async () => {
    const result = await check("postgres", {
      postgresVersion: async () => {
        throw new Error("connect ECONNREFUSED for postgres://citadel:hunter2@db.internal:5432/citadel");
      },
    });
    assertResult(
      result,
      "fail",
      /^PostgreSQL is not reachable: connect ECONNREFUSED for postgres:\/\/citadel:\*\*\*@db\.internal/,
    );
    assert.doesNotMatch(result.reason, /hunter2/);
  });

  test("an unreadable version fails", async () => {
    assertResult(await check("postgres", { postgresVersion: async () => "banana" }), "fail", /cannot read/);
  });
});

describe("clock", () => {
  test("a year before 2024 fails", async () => {
    assertResult(
      await check("clock", { now: () => new Date("2019-03-01T00:00:00Z") }),
      "fail",
      /^The system clock says 2019-03-01 00:00:00 UTC/,
    );
  });

  test("against a network clock: within 5 minutes passes, beyond warns with the direction", async () => {
    const at = (offsetMs: number) => async () => new Date(NOW.getTime() + offsetMs);
    assertResult(await check("clock", { networkTime: at(90_000) }), "pass", /within 2 minutes of the network time/);
    assertResult(
      await check("clock", { networkTime: at(-10 * 60_000) }),
      "warn",
      /^The system clock is 10 minutes ahead of the network time/,
    );
    assertResult(await check("clock", { networkTime: at(7 * 60_000) }), "warn", /7 minutes behind the network time/);
  });

  test("without a network clock: a clock more than 5 minutes before this build warns", async () => {
    const result = await check("clock", { buildTime: async () => new Date(NOW.getTime() + 3 * 3_600_000) });
    assertResult(result, "warn", /^The system clock is 180 minutes behind this Citadel build/);
    assertResult(await check("clock", {}), "pass", /after this Citadel build \(2026-05-01\)/);
  });

  test("a failing network probe falls back to the build check and says so", async () => {
    const result = await check("clock", {
      networkTime: async () => {
        throw new Error("getaddrinfo ENOTFOUND github.com");
      },
    });
    assertResult(result, "pass", /the network time probe failed: getaddrinfo ENOTFOUND github\.com/);
  });

  test("newestSourceMtime reads the console's own sources", async () => {
    const newest = await newestSourceMtime();
    assert.ok(newest instanceof Date && newest.getTime() <= Date.now() + 1000);
  });
});

describe("Docker", () => {
  test("reachable passes; unreachable only warns (builds run on builder boxes)", async () => {
    const down = async () => {
      throw new Error("connect ENOENT /var/run/docker.sock");
    };
    const result = await check("docker", { dockerPing: down });
    assertResult(
      result,
      "warn",
      /^No Docker engine answers here \(connect ENOENT \/var\/run\/docker\.sock\)\. Builds run on builder boxes/,
    );
    assert.equal(preflightBlocksStart(await runPreflight(passing({ dockerPing: down }))), false);
  });
});

describe("a real run on this machine", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "citadel-preflight-"));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test("every check produces a status and a reason (PostgreSQL faked; the lead's integration tests use a real one)", async () => {
    const started = Date.now();
    const results = await runPreflight({ dataDir, postgresVersion: async () => "160004" });
    assert.deepEqual(
      results.map((result) => result.id),
      ["cpu", "memory", "disk", "port-80", "port-443", "postgres", "clock", "docker"],
    );
    for (const result of results) {
      assert.ok(["pass", "warn", "fail"].includes(result.status), JSON.stringify(result));
      assert.ok(result.reason.length > 10, JSON.stringify(result));
      assert.doesNotMatch(result.reason, /could not run/, JSON.stringify(result));
    }
    assert.ok(Date.now() - started < 4000, "the checks took too long");
    for (const result of results) process.stdout.write(`# ${result.id}: ${result.status} — ${result.reason}\n`);
  });
});
