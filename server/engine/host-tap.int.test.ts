import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parseLabYaml } from "../labfile/labyaml";
import { Engine } from "./engine";
import { processesIn } from "./procs";

// The classic lab's host tap (tunctl + uml_switch -tap): the host itself on a
// lab's switch. It needs root; without it the start is refused and says so.
const LAB = `
umlab: 1
name: tapped
nodes:
  n1:
    eth: [lan, old]
    startup: |
      ip addr add 10.99.0.1/24 dev eth0
      ip addr add 10.98.0.1/24 dev eth1
switches:
  lan: { tap: { name: umlabtap0, address: 10.99.0.254/24 } }
  old: { kind: uml_switch, tap: { name: umlabtap1, address: 10.98.0.254/24 } }
`;

describe("a host tap on a switch", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-tap-"));
  const engine = new Engine(root);
  after(async () => {
    await engine.stopAll();
    assert.deepEqual(processesIn(root), []);
    rmSync(root, { recursive: true, force: true });
  });

  if (process.getuid?.() !== 0) {
    it("is refused without root, saying why, and nothing is left running", async () => {
      await assert.rejects(engine.start(parseLabYaml(LAB)), /a host tap \(umlabtap0\) needs root/);
    });
    return;
  }

  it("puts the host on a vde switch and on a uml_switch: the node pings the host's address on each", async () => {
    const run = await engine.start(parseLabYaml(LAB));
    await run.waitRunning(60000);
    assert.ok(existsSync("/sys/class/net/umlabtap0") && existsSync("/sys/class/net/umlabtap1"));
    const r = await run.node("n1").exec("ping -c 2 -W 3 10.99.0.254 && ping -c 2 -W 3 10.98.0.254");
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  });

  it("takes the tap away with the lab", async () => {
    await engine.stop("tapped");
    assert.ok(!existsSync("/sys/class/net/umlabtap0") && !existsSync("/sys/class/net/umlabtap1"));
  });
});
