import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node apps/console/bin/citadel.mjs license ...` from the repository root. */
function citadel(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!("CITADEL_LICENSE_PUBKEYS" in env)) delete childEnv.CITADEL_LICENSE_PUBKEYS;
  return new Promise((resolve) => {
    execFile(
      "node",
      ["apps/console/bin/citadel.mjs", "license", ...args],
      { cwd: ROOT, env: childEnv },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

let dir = "";
let keys = "";
let license = "";
let trusted: Record<string, string> = {};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "citadel-cli-license-"));
  keys = join(dir, "keys");
  license = join(dir, "acme.license");
  trusted = { CITADEL_LICENSE_PUBKEYS: join(keys, "jwks.json") };
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("citadel license (end to end)", () => {
  it("keygen writes a 0600 private key, a public key and a JWKS without private material", async () => {
    const run = await citadel(["keygen", "--out", keys, "--kid", "e2e-key"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /key e2e-key/);
    assert.equal((await stat(join(keys, "private.jwk"))).mode & 0o777, 0o600);
    const privateJwk = JSON.parse(await readFile(join(keys, "private.jwk"), "utf8")) as Record<string, unknown>;
    assert.equal(typeof privateJwk.d, "string");
    assert.ok(!run.stdout.includes(String(privateJwk.d)), "the private key is never printed");
    const jwks = JSON.parse(await readFile(join(keys, "jwks.json"), "utf8")) as { keys: Array<Record<string, unknown>> };
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0]?.kid, "e2e-key");
    assert.equal("d" in (jwks.keys[0] ?? {}), false);

    const again = await citadel(["keygen", "--out", keys]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /--out: .*already exists/);
  });

  it("issue then verify: exit 0 and a summary when the key is trusted through CITADEL_LICENSE_PUBKEYS", async () => {
    const issue = await citadel([
      "issue",
      "--key",
      join(keys, "private.jwk"),
      "--customer",
      "Acme Corp",
      "--expires",
      "2099-12-31",
      "--max-builders",
      "8",
      "--max-users",
      "40",
      "--features",
      "lxc,s3-storage",
      "--policy",
      "warn-only",
      "--channel",
      "beta",
      "--out",
      license,
    ]);
    assert.equal(issue.code, 0, issue.stderr);
    assert.match(issue.stdout, /issued license .* for Acme Corp \(expires 2099-12-31, key e2e-key\)/);

    const verify = await citadel(["verify", license], trusted);
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, /for Acme Corp is valid \(expires 2099-12-31/);
    assert.match(verify.stdout, /channel: +beta/);
    assert.match(verify.stdout, /builders: +8/);
    assert.match(verify.stdout, /users: +40/);
    assert.match(verify.stdout, /features: +lxc, s3-storage/);
    assert.match(verify.stdout, /on expiry: +warn-only/);
  });

  it("verify without the extra key refuses the license as unknown-key (exit 1)", async () => {
    const verify = await citadel(["verify", license]);
    assert.equal(verify.code, 1);
    assert.equal(verify.stdout, "");
    assert.match(verify.stderr, /^citadel: license unknown-key: .*"e2e-key".*does not trust\n$/);
  });

  it("a tampered copy is refused by verify (exit 1) and shown by inspect with a broken signature", async () => {
    const [header, payload, signature] = (await readFile(license, "utf8")).trim().split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
    claims.entitlements = { ...(claims.entitlements as object), maxBuilders: 999 };
    const tampered = join(dir, "tampered.license");
    await writeFile(tampered, `${header}.${b64json(claims)}.${signature}\n`);

    const verify = await citadel(["verify", tampered], trusted);
    assert.equal(verify.code, 1);
    assert.match(verify.stderr, /license bad-signature: .*signature does not hold/);

    const inspect = await citadel(["inspect", tampered], trusted);
    assert.equal(inspect.code, 0, inspect.stderr);
    const report = JSON.parse(inspect.stdout) as { status: string; signature: string; claims: { entitlements: unknown } };
    assert.equal(report.status, "bad-signature");
    assert.equal(report.signature, "invalid");
    assert.deepEqual((report.claims.entitlements as { maxBuilders: number }).maxBuilders, 999);
  });

  it("inspect shows a valid license's claims and signature", async () => {
    const inspect = await citadel(["inspect", license], trusted);
    assert.equal(inspect.code, 0, inspect.stderr);
    const report = JSON.parse(inspect.stdout) as Record<string, unknown>;
    assert.equal(report.status, "valid");
    assert.equal(report.signature, "valid");
    assert.equal((report.header as { kid: string }).kid, "e2e-key");
    assert.equal((report.claims as { customer: string }).customer, "Acme Corp");
  });

  it("empty, binary and 10 MB files give a one-line reason and exit 1", async () => {
    const files: Array<[string, Buffer, RegExp]> = [
      ["empty.license", Buffer.alloc(0), /malformed: license file is empty/],
      ["binary.license", Buffer.from([0xff, 0xfe, 0xfd, 0x00, 0x81, 0x82]), /malformed: license file is binary/],
      ["huge.license", Buffer.alloc(10 * 1024 * 1024, 0x61), /malformed: license file is too large \(10\.0 MiB\)/],
    ];
    await Promise.all(
      files.map(async ([name, content, pattern]) => {
        const path = join(dir, name);
        await writeFile(path, content);
        const run = await citadel(["verify", path], trusted);
        assert.equal(run.code, 1, name);
        assert.match(run.stderr, pattern);
        assert.equal(run.stderr.trim().split("\n").length, 1, `${name}: one line`);
      }),
    );
  });

  it("bad arguments: one line naming the flag, exit 2", async () => {
    const key = join(keys, "private.jwk");
    const leakyJwks = join(dir, "leaky.jwks.json");
    await writeFile(leakyJwks, JSON.stringify({ keys: [JSON.parse(await readFile(key, "utf8"))] }));
    const out = join(dir, "never.license");
    const base = ["issue", "--key", key, "--customer", "Acme", "--out", out];
    const cases: Array<[string[], RegExp, Record<string, string>?]> = [
      [["issue", "--key", key, "--out", out], /--customer is required/],
      [["issue", "--customer", "Acme", "--out", out], /--key is required/],
      [[...base, "--max-builders", "lots"], /--max-builders: expected a whole number/],
      [[...base, "--max-users", "0"], /--max-users: expected a whole number/],
      [[...base, "--features", "lxc,gpu"], /--features: unknown feature 'gpu'/],
      [[...base, "--policy", "lenient"], /--policy: expected block-builds or warn-only/],
      [[...base, "--channel", "nightly"], /--channel: expected stable or beta/],
      [[...base, "--expires", "2027-02-30"], /--expires: expected a date YYYY-MM-DD/],
      [[...base, "--expires", "2001-01-01"], /--expires: 2001-01-01 is not in the future/],
      [[...base, "--color", "red"], /Unknown option '--color'/],
      [["issue", "--key", join(keys, "jwks.json"), "--customer", "Acme", "--out", out], /--key: .*not an Ed25519 private JWK/],
      [["issue", "--key", join(dir, "missing.jwk"), "--customer", "Acme", "--out", out], /--key: cannot read .*no such file/],
      [["issue", "--key", key, "--customer", "Acme", "--out", license], /--out: .*already exists/],
      [["verify"], /missing FILE argument/],
      [["verify", join(dir, "nope.license")], /cannot read license file .*no such file/],
      [["verify", license, "extra"], /unexpected argument 'extra'/],
      [["frobnicate"], /unknown command 'frobnicate'/],
      [["verify", license], /CITADEL_LICENSE_PUBKEYS.*no such file/, { CITADEL_LICENSE_PUBKEYS: join(dir, "absent.json") }],
      [["verify", license], /CITADEL_LICENSE_PUBKEYS.*not a JWKS/, { CITADEL_LICENSE_PUBKEYS: key }],
      [["verify", license], /CITADEL_LICENSE_PUBKEYS.*private key material/, { CITADEL_LICENSE_PUBKEYS: leakyJwks }],
    ];
    const runs = await Promise.all(cases.map(([args, , env]) => citadel(args, env)));
    cases.forEach(([args, pattern], index) => {
      const run = runs[index];
      assert.ok(run);
      assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, pattern);
      assert.equal(run.stderr.trim().split("\n").length, 1, `${args.join(" ")}: one line`);
    });
    const privateJwk = JSON.parse(await readFile(key, "utf8")) as { d: string };
    assert.ok(
      runs.every((run) => !run.stderr.includes(privateJwk.d)),
      "the private key never appears in errors",
    );
    await assert.rejects(stat(out), /ENOENT/);
  });
});
