import assert from "node:assert/strict";
import { resolve } from "node:path";
import { test } from "node:test";
import { EnvError } from "@citadel/env";
import { parseConsoleEnv } from "../src/env";

test("defaults: data dir ./.citadel resolved, console port 8800, embedded database", () => {
  const env = parseConsoleEnv({});
  assert.equal(env.CITADEL_DATA_DIR, resolve(".citadel"));
  assert.equal(env.CITADEL_CONSOLE_PORT, 8800);
  assert.equal(env.CITADEL_DATABASE_URL, undefined);
});

test("every bad variable is named with what it expects, values never echoed", () => {
  assert.throws(
    () =>
      parseConsoleEnv({
        CITADEL_CONSOLE_PORT: "70000",
        CITADEL_DATABASE_URL: "mysql://root:s3cret@db",
        CITADEL_LOG_LEVEL: "loud",
      }),
    (error: unknown) => {
      assert.ok(error instanceof EnvError);
      assert.match(error.message, /CITADEL_CONSOLE_PORT: expected a port from 1 to 65535/);
      assert.match(error.message, /CITADEL_DATABASE_URL: expected a postgres:\/\//);
      assert.match(error.message, /CITADEL_LOG_LEVEL: /);
      assert.doesNotMatch(error.message, /s3cret/);
      return true;
    },
  );
});

test("an empty variable counts as unset", () => {
  assert.equal(parseConsoleEnv({ CITADEL_CONSOLE_PORT: "" }).CITADEL_CONSOLE_PORT, 8800);
});
