import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseLabYaml } from "../labfile/labyaml";
import { Engine } from "./engine";
import type { LabRun } from "./lab-run";

// Kathará's semantics: shared files and script for every node, the node's own over them, and a start order.
const LAB = `
umlab: 1
name: config
shared:
  startup: |
    echo shared >> /root/order
  files:
    /etc/lab/both: "from shared\\n"
    /etc/lab/common: "shared only\\n"
nodes:
  first:
    eth: [lan]
    startup: |
      echo node >> /root/order
      sleep 2
      ip addr add 10.9.0.1/24 dev eth0
  second:
    eth: [lan]
    after: [first]
    files:
      /etc/lab/both: "from second\\n"
    startup: |
      ip addr add 10.9.0.2/24 dev eth0
      if ping -c 1 -W 2 10.9.0.1 >/dev/null; then echo up > /root/first; else echo missing > /root/first; fi
switches:
  lan: {}
`;

describe("node configuration: shared overlay and script, start order", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-cfg-"));
  const engine = new Engine(root);
  let run: LabRun;

  before(async () => {
    run = await engine.start(parseLabYaml(LAB));
    await run.waitRunning(90000);
  });
  after(async () => {
    await engine.stopAll();
    rmSync(root, { recursive: true, force: true });
  });

  it("runs the shared startup script before the node's own", async () => {
    const r = await run.node("first").exec("cat /root/order");
    assert.equal(r.stdout, "shared\nnode\n");
  });

  it("copies the shared files to every node, the node's own files winning", async () => {
    const first = await run.node("first").exec("cat /etc/lab/both /etc/lab/common");
    assert.equal(first.stdout, "from shared\nshared only\n");
    const second = await run.node("second").exec("cat /etc/lab/both /etc/lab/common");
    assert.equal(second.stdout, "from second\nshared only\n");
  });

  it("starts a node only once the nodes it comes after ran their startup scripts", async () => {
    // first takes its address at the end of a slow startup script; second looks for it in its own.
    const r = await run.node("second").exec("cat /root/first");
    assert.equal(r.stdout, "up\n", "second's startup ran before first's was done");
  });

  it("brings every Ethernet interface up at boot, as Kathará does", async () => {
    const r = await run.node("second").exec("cat /sys/class/net/eth0/operstate; ip link show eth0");
    assert.match(r.stdout, /state UP|UP,LOWER_UP/);
  });
});
