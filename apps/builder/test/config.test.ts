import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { BuilderConfigError, loadBuilderSettings } from "../src/daemon/config";

test("flags win over CITADEL_BUILDER_* variables, which win over the config file", async () => {
  const dir = await mkdtemp(join(tmpdir(), "builder-config-"));
  const file = join(dir, "builder.json");
  await writeFile(
    file,
    JSON.stringify({ slots: 3, name: "from-file", jobNetwork: "none", imageAliases: { "cimg/base:*": "local/base" } }),
  );
  const settings = loadBuilderSettings(["--config", file, "--slots", "5", "--data-dir", dir], {
    CITADEL_BUILDER_SLOTS: "4",
    CITADEL_BUILDER_NAME: "from-env",
  });
  assert.equal(settings.slots, 5);
  assert.equal(settings.name, "from-env");
  assert.equal(settings.jobNetwork, "none");
  assert.deepEqual(settings.imageAliases, { "cimg/base:*": "local/base" });
  assert.equal(settings.containerMemoryBytes, 4 * 1024 ** 3);
  assert.equal(settings.dataDir, dir);
});

test("bad settings name the setting and what it expects", () => {
  assert.throws(
    () => loadBuilderSettings(["--services", "http://ci.example.com"], {}),
    (error: unknown) => {
      assert.ok(error instanceof BuilderConfigError);
      assert.match(error.message, /services: expected the services box's https:\/\/ URL/);
      return true;
    },
  );
  assert.throws(() => loadBuilderSettings(["--slots", "0"], {}), /slots: expected at least 1 slot/);
  assert.throws(() => loadBuilderSettings(["--no-such-flag"], {}), /Unknown option '--no-such-flag'/);
  assert.throws(() => loadBuilderSettings(["--job-network", "host"], {}), /jobNetwork/);
});
