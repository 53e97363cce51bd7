import assert from "node:assert/strict";
import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Keyring, KeyringError, keyringPath } from "../src/index";

test("encrypts with the current version, decrypts old versions after rotation, keeps the file 0600", async () => {
  const dir = await mkdtemp(join(tmpdir(), "keyring-"));
  const keyring = await Keyring.loadOrCreate(dir);
  const old = keyring.encrypt("hunter2-secret");
  assert.doesNotMatch(old, /hunter2/);
  assert.equal(Keyring.versionOf(old), 1);
  assert.notEqual(keyring.encrypt("same"), keyring.encrypt("same"), "fresh IV each time");

  assert.equal(await keyring.rotate(), 2);
  const reloaded = await Keyring.load(dir);
  assert.equal(reloaded.decrypt(old), "hunter2-secret");
  assert.equal(Keyring.versionOf(reloaded.encrypt("x")), 2);
  assert.equal((await stat(keyringPath(dir))).mode & 0o777, 0o600);
});

test("a tampered ciphertext, a missing key version and a missing keyring are clear errors", async () => {
  const dir = await mkdtemp(join(tmpdir(), "keyring-"));
  const keyring = await Keyring.loadOrCreate(dir);
  const sealed = keyring.encrypt("value");
  const flipped = `${sealed.slice(0, -2)}${sealed.at(-2) === "A" ? "B" : "A"}${sealed.at(-1)}`;
  assert.throws(() => keyring.decrypt(flipped), /failed its integrity check/);
  assert.throws(() => keyring.decrypt(sealed.replace(/^v1/, "v9")), /key version 9 is not in the keyring/);
  assert.throws(() => keyring.decrypt("not-a-ciphertext"), KeyringError);
  await assert.rejects(Keyring.load(join(dir, "elsewhere")), /master keyring .* is missing/);
  await writeFile(
    keyringPath(dir),
    JSON.stringify({ current: 3, keys: JSON.parse(await readFile(keyringPath(dir), "utf8")).keys }),
  );
  await assert.rejects(Keyring.load(dir), /is damaged/);
});

test("a keyring loaded before a rotation (by another process) still decrypts the new version", async () => {
  const dir = await mkdtemp(join(tmpdir(), "keyring-"));
  const running = await Keyring.loadOrCreate(dir);
  const rotator = await Keyring.load(dir);
  await rotator.rotate();
  const sealed = rotator.encrypt("after rotation");
  assert.equal(running.decrypt(sealed), "after rotation");
});
