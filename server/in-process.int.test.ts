import assert from "node:assert/strict";
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startLabServer, type LabServer } from "../scripts/lab-server";
import { InProcessEngine } from "./engine/in-process";
import { engineFiles } from "./engine/remote/engine-files";
import { processesIn } from "./engine/procs";
import { request, umlab } from "./test-support";

const LAB = `umlab: 1
name: one-process
nodes:
  n1: {}
`;

describe("UMLAB_ENGINE=inprocess: the engine inside the web server (real UML)", () => {
  let server: LabServer | undefined;

  before(async () => {
    server = await startLabServer({ samples: false, name: "inprocess", inProcess: true });
  });

  after(async () => {
    await server?.stop();
  });

  it("runs a lab with no engine process, and the lab ends with the server", async () => {
    const { url, data } = server!;
    assert.equal(server!.enginePid(), null, "no engine process was started");
    assert.equal(existsSync(engineFiles(data).socket), false);
    assert.equal((await request(url, "POST", "/api/labs", LAB, "application/yaml")).status, 201);
    const start = umlab(url, ["start", "one-process"]);
    assert.equal(start.status, 0, start.stderr);
    const r = umlab(url, ["exec", "one-process", "n1", "--", "sh", "-c", "echo in-$((6*7))"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /in-42/);
    assert.ok(processesIn(data).length >= 1, "the guest runs in the server's data root");
    // SIGTERM to the server: stop() fails on any process left in the data root.
    await server!.stop();
    assert.deepEqual(processesIn(data), []);
  });

  it("is the data root's one engine: a second one is refused until the first has closed", async () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), "umlab-inprocess-lock-")));
    try {
      const lines: string[] = [];
      const first = await InProcessEngine.open(root, (l) => lines.push(l));
      await assert.rejects(InProcessEngine.open(root, (l) => lines.push(l)), /an engine runs for .* already/);
      await first.close();
      assert.equal(existsSync(engineFiles(root).lock), false, "the lock is released");
      const again = await InProcessEngine.open(root, (l) => lines.push(l));
      await again.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
