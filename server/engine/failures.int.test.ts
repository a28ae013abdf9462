import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parseLabYaml } from "../labfile/labyaml";
import { Engine } from "./engine";
import { hostProgram } from "./host";
import { processesIn } from "./procs";

describe("uml_switch labs and failed starts (real UML)", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-it2-"));
  const engine = new Engine(root);
  after(async () => {
    await engine.stopAll();
    rmSync(root, { recursive: true, force: true });
  });

  it("two nodes ping across a uml_switch, and across a uml_switch hub", async () => {
    const lab = parseLabYaml(`
umlab: 1
name: classic
nodes:
  a: { eth: [s1, h1], startup: "ip addr add 10.1.0.1/24 dev eth0; ip link set eth0 up; ip addr add 10.2.0.1/24 dev eth1; ip link set eth1 up" }
  b: { eth: [s1, h1], startup: "ip addr add 10.1.0.2/24 dev eth0; ip link set eth0 up; ip addr add 10.2.0.2/24 dev eth1; ip link set eth1 up" }
switches:
  s1: { kind: uml_switch }
  h1: { kind: uml_switch, mode: hub }
`);
    const run = await engine.start(lab);
    await run.waitRunning(90000);
    const r = await run.node("a").exec("ping -c 2 -W 5 10.1.0.2 && ping -c 2 -W 5 10.2.0.2");
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    const runDir = run.paths.run;
    await engine.stop("classic");
    assert.deepEqual(processesIn(runDir), []);
    assert.equal(existsSync(runDir), false);
  });

  it("an unplugged interface exists in the guest, comes up, and reaches nothing", async () => {
    const lab = parseLabYaml("umlab: 1\nname: unplugged\nnodes:\n  a: { eth: [null, s] }\n  b: { eth: [s] }\nswitches:\n  s: {}\n");
    const run = await engine.start(lab);
    await run.waitRunning(90000);
    const r = await run.node("a").exec("ip addr add 10.3.0.1/24 dev eth0 && ip link set eth0 up && ip -o link show eth0 && ip -o link show eth1 && ! ping -c 1 -W 1 10.3.0.2");
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /eth0: <[^>]*\bUP\b/);
    assert.match(r.stdout, /eth1: /);
    await engine.stop("unplugged");
  });

  it("a missing image is a clear error and nothing is left running", async () => {
    const lab = parseLabYaml("umlab: 1\nname: noimage\nnodes:\n  a: { image: nosuch, eth: [s] }\n  b: { eth: [s] }\nswitches:\n  s: {}\n");
    await assert.rejects(engine.start(lab), { name: "ImageError", message: /image "nosuch" is not available \(available: busybox, router, host, kathara, cluster\); an image of your own is a recipe: `umlab image add nosuch --packages/ });
    assert.equal(engine.run("noimage"), undefined);
    assert.deepEqual(processesIn(join(root, "labs", "noimage", "run")), []);
    assert.equal(existsSync(join(root, "labs", "noimage", "run")), false);
  });

  it("a missing host program names its Debian package, and the start is undone", async () => {
    assert.throws(() => hostProgram("uml_nosuchtool"), { name: "HostError", message: /uml_nosuchtool is not installed/ });
    const saved = process.env.UMLAB_KERNEL;
    process.env.UMLAB_KERNEL = "/nonexistent/linux.uml";
    try {
      const lab = parseLabYaml("umlab: 1\nname: nokernel\nnodes:\n  a: { eth: [s] }\nswitches:\n  s: {}\n");
      await assert.rejects(engine.start(lab), { name: "HostError", message: /\/nonexistent\/linux\.uml.*user-mode-linux/ });
      assert.equal(engine.run("nokernel"), undefined);
      assert.deepEqual(processesIn(join(root, "labs", "nokernel", "run")), []);
    } finally {
      if (saved === undefined) delete process.env.UMLAB_KERNEL;
      else process.env.UMLAB_KERNEL = saved;
    }
  });
});
