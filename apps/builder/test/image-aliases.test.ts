import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveImage } from "../src/runtime/docker/image-aliases";

test("image aliases: exact names win, then the first matching glob; regex characters are literal", () => {
  const aliases = {
    "cimg/base:*": "local/base:1",
    "cimg/*": "local/any:1",
    "cimg/base:stable": "local/stable:1",
    "postgres:1?.1": "local/pg-literal:1",
  };
  assert.deepEqual(resolveImage("cimg/base:2024.01", aliases), {
    requested: "cimg/base:2024.01",
    image: "local/base:1",
    alias: "cimg/base:*",
  });
  assert.equal(resolveImage("cimg/base:stable", aliases).image, "local/stable:1");
  assert.equal(resolveImage("cimg/node:20.1", aliases).image, "local/any:1");
  assert.equal(resolveImage("postgres:16.1", aliases).image, "postgres:16.1", "? is not a wildcard");
  assert.equal(resolveImage("postgres:1?.1", aliases).image, "local/pg-literal:1");
  assert.deepEqual(resolveImage("debian:bookworm", aliases), { requested: "debian:bookworm", image: "debian:bookworm" });
  assert.deepEqual(resolveImage("debian:bookworm"), { requested: "debian:bookworm", image: "debian:bookworm" });
});
