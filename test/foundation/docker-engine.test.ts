import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import Docker from "dockerode";

// Provisioning (installer/provision-test-host.sh, run by `npm test`) must leave a running
// engine and the locally built job image; later builder tests depend on both.
const JOB_IMAGE = process.env.CITADEL_JOB_IMAGE ?? "citadel/job-debian:bookworm";

test("the provisioned Docker engine runs the local job image with no network", async () => {
  const docker = new Docker();
  assert.equal(String(await docker.ping()), "OK");
  const image = await docker.getImage(JOB_IMAGE).inspect();
  assert.ok(image.Id, `${JOB_IMAGE} exists locally`);

  const container = await docker.createContainer({
    Image: JOB_IMAGE,
    Cmd: ["/bin/bash", "-c", "echo hello from $(. /etc/os-release && echo $ID) && git --version >/dev/null && echo git-ok"],
    Labels: { "citadel.test": "provision" },
    HostConfig: { NetworkMode: "none", AutoRemove: false },
  });
  try {
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const out = new PassThrough();
    let text = "";
    out.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    container.modem.demuxStream(stream, out, out);
    await container.start();
    const result = await container.wait();
    assert.equal(result.StatusCode, 0);
    await new Promise((r) => setTimeout(r, 50));
    assert.match(text, /hello from debian/);
    assert.match(text, /git-ok/);
  } finally {
    await container.remove({ force: true });
  }
});
