import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseLabYaml } from "../labfile/labyaml";
import { Engine } from "./engine";
import type { LabRun } from "./lab-run";
import type { LiveEvent } from "./live";
import { isAlive, processesIn, sessionMembers } from "./procs";
import type { LinkStatus } from "./switch/link-faults";

const LAB = `
umlab: 1
name: faults
nodes:
  node1:
    eth: [sw1, hub1, usw]
    startup: |
      ip addr add 10.0.7.1/24 dev eth0
      ip link set eth0 up
  node2:
    eth: [sw1]
    startup: |
      ip addr add 10.0.7.2/24 dev eth0
      ip link set eth0 up
switches:
  sw1: {}
  hub1: { mode: hub }
  usw: { kind: uml_switch }
`;

/** Average ping round trip in ms, or null when nothing came back. */
function rtt(out: string): number | null {
  const m = /min\/avg\/max = [\d.]+\/([\d.]+)\//.exec(out);
  return m ? Number(m[1]) : null;
}

describe("link faults: pull, plug, impair, clear (real UML, vde_switch, wirefilter)", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-links-"));
  const engine = new Engine(root);
  const lab = parseLabYaml(LAB);
  let run: LabRun;
  const changes: LinkStatus[] = [];
  const ping = (from = "node1", to = "10.0.7.2", n = 3) => run.node(from).exec(`ping -c ${n} -W 2 ${to}`, 30);
  const link = (node = "node1") => engine.status(lab).links.find((l) => l.node === node && l.iface === "eth0")!;

  before(async () => {
    engine.on("patch", (ev: LiveEvent) => ev.patch.kind === "link" && changes.push(ev.patch.link));
    run = await engine.start(lab);
    await run.waitRunning(90000);
  });
  after(async () => {
    await engine.stopAll();
    rmSync(root, { recursive: true, force: true });
  });

  it("gives every interface on a vde switch its own fixed port, and the switch room for more", () => {
    assert.deepEqual(
      engine.status(lab).links.map((l) => [l.node, l.iface, l.switch, l.port, l.pulled, l.impair]),
      [
        ["node1", "eth0", "sw1", 1, false, null],
        ["node1", "eth1", "hub1", 1, false, null],
        ["node1", "eth2", "usw", null, false, null],
        ["node2", "eth0", "sw1", 2, false, null],
      ],
    );
    assert.equal(run.switch("sw1").numports, 32);
  });

  it("pull cuts the link both ways at once; plug brings it back", async () => {
    assert.equal((await ping()).exitCode, 0);
    const t0 = performance.now();
    const status = await run.links.pull(run.lab, "node1", 0);
    const tookMs = performance.now() - t0;
    console.log(`# pull took ${tookMs.toFixed(1)} ms`);
    assert.equal(status.pulled, true);
    assert.deepEqual(changes.at(-1), status, "a change is announced");
    const out = await ping("node1", "10.0.7.2", 2);
    assert.notEqual(out.exitCode, 0, out.stdout);
    assert.notEqual((await ping("node2", "10.0.7.1", 2)).exitCode, 0);
    // Pulling again changes nothing and announces nothing.
    const announced = changes.length;
    await run.links.pull(run.lab, "node1", 0);
    assert.equal(changes.length, announced);

    const t1 = performance.now();
    await run.links.plug(run.lab, "node1", 0);
    console.log(`# plug took ${(performance.now() - t1).toFixed(1)} ms`);
    assert.equal(link().pulled, false);
    const back = await ping();
    assert.equal(back.exitCode, 0, back.stdout);
  });

  it("impair delays every frame (each way), changes live, and clear restores the link", async () => {
    const before = rtt((await ping()).stdout)!;
    const t0 = performance.now();
    await run.links.impair(run.lab, "node1", 0, { lossPct: 0, delayMs: 200, bandwidthKbit: null, dupPct: 0 });
    console.log(`# impair (a wirefilter started) took ${(performance.now() - t0).toFixed(1)} ms`);
    assert.deepEqual(link().impair, { lossPct: 0, delayMs: 200, bandwidthKbit: null, dupPct: 0 });
    const state = JSON.parse(readFileSync(join(run.paths.run, "state.json"), "utf8")) as { wirefilters: Record<string, number> };
    const pid = state.wirefilters["sw1/node1.eth0"];
    assert.ok(pid && isAlive(pid), "the wirefilter's pid is in state.json");
    let r = await ping();
    assert.equal(r.exitCode, 0, r.stdout);
    console.log(`# round trip ${before} ms before, ${rtt(r.stdout)} ms with a 200 ms delay`);
    assert.ok(rtt(r.stdout)! >= 400, `200 ms each way: ${rtt(r.stdout)} ms round trip`);
    // From the other side too.
    assert.ok(rtt((await ping("node2", "10.0.7.1")).stdout)! >= 400);

    await run.links.impair(run.lab, "node1", 0, { lossPct: 0, delayMs: 50, bandwidthKbit: 10000, dupPct: 0 });
    assert.equal(run.links.pids()["sw1/node1.eth0"], pid, "the same wirefilter, set anew");
    r = await ping();
    assert.ok(rtt(r.stdout)! >= 100 && rtt(r.stdout)! < 400, `50 ms each way: ${rtt(r.stdout)} ms`);

    const t1 = performance.now();
    await run.links.clear(run.lab, "node1", 0);
    console.log(`# clear took ${(performance.now() - t1).toFixed(1)} ms`);
    assert.equal(link().impair, null);
    assert.equal(isAlive(pid), false, "the wirefilter ended");
    r = await ping();
    assert.equal(r.exitCode, 0);
    assert.ok(rtt(r.stdout)! < 50, `cleared: ${rtt(r.stdout)} ms`);
  });

  it("impairs a link while its node broadcasts, and frames reach the node at once (the switch learns no wrong port for it)", async () => {
    const sent = async () => Number((await run.node("node1").exec("cat /sys/class/net/eth0/statistics/tx_packets", 10)).stdout.trim());
    const before = await sent();
    const t0 = Date.now();
    // In the background in the guest, for 4 s: a broadcast every 25 ms, a little longer than the filter's delay. One
    // that met the filter in the default VLAN as it plugged in would come out of its near end before node1's next,
    // and vde_switch would take node1 to be there for 3 s (its hash's minimum persistence), dropping its frames.
    await run.node("node1").exec("(ping -q -i 0.025 -w 4 10.0.7.255 >/dev/null 2>&1 &)", 10);
    await new Promise((r) => setTimeout(r, 200));
    await run.links.impair(lab, "node1", 0, { lossPct: 0, delayMs: 20, bandwidthKbit: null, dupPct: 0 });
    const out = (await ping("node1", "10.0.7.2", 3)).stdout;
    await new Promise((r) => setTimeout(r, Math.max(0, 4500 - (Date.now() - t0))));
    assert.ok((await sent()) - before > 100, "node1 did broadcast while its link was impaired");
    await run.links.clear(lab, "node1", 0);
    assert.match(out, /3 packets received/, out);
    assert.ok((rtt(out) ?? 0) >= 35, `through the filter (rtt ${rtt(out)} ms)`);
  });

  it("loss 100 % lets nothing through", async () => {
    await run.links.impair(run.lab, "node1", 0, { lossPct: 100, delayMs: 0, bandwidthKbit: null, dupPct: 0 });
    const r = await ping();
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stdout, /0 packets received/);
    await run.links.clear(run.lab, "node1", 0);
    assert.equal((await ping()).exitCode, 0);
  });

  it("a pulled, impaired link stays so across a restart of its node; pull wins until plugged", async () => {
    await run.links.impair(run.lab, "node1", 0, { lossPct: 0, delayMs: 150, bandwidthKbit: null, dupPct: 0 });
    await run.links.pull(run.lab, "node1", 0);
    assert.notEqual((await ping()).exitCode, 0, "pulled while impaired: nothing passes");
    const node = run.node("node1");
    await node.stop();
    await run.startNode("node1");
    await node.waitRunning(60000);
    assert.deepEqual([link().pulled, link().impair?.delayMs, link().port], [true, 150, 1]);
    assert.notEqual((await ping()).exitCode, 0, "still pulled after the restart");
    await run.links.plug(run.lab, "node1", 0);
    const r = await ping();
    assert.equal(r.exitCode, 0, r.stdout);
    assert.ok(rtt(r.stdout)! >= 300, `still impaired after the restart: ${rtt(r.stdout)} ms`);
    await run.links.clear(run.lab, "node1", 0);
    assert.ok(rtt((await ping()).stdout)! < 50);
  });

  it("refuses hubs and uml_switch, saying why", async () => {
    await assert.rejects(run.links.pull(run.lab, "node1", 1), { name: "LinkFaultError", message: "link faults need a vde switch in switch mode; hub1 is a hub" });
    await assert.rejects(run.links.impair(run.lab, "node1", 2, { lossPct: 5, delayMs: 0, bandwidthKbit: null, dupPct: 0 }), {
      name: "LinkFaultError",
      message: "link faults need a vde switch in switch mode; usw is a uml_switch",
    });
    await assert.rejects(run.links.impair(run.lab, "node1", 0, { lossPct: 0, delayMs: 0, bandwidthKbit: null, dupPct: 0 }), { name: "LinkFaultError", message: /nothing to impair/ });
    await assert.rejects(run.links.pull(run.lab, "node1", 7), { name: "LinkFaultError", message: "node node1 has no eth7" });
  });

  it("a lab stop ends every wirefilter, switch and guest", async () => {
    await run.links.impair(run.lab, "node2", 0, { lossPct: 10, delayMs: 0, bandwidthKbit: null, dupPct: 1 });
    await run.links.pull(run.lab, "node1", 0);
    const filter = run.links.pids()["sw1/node2.eth0"]!;
    const switches = [...run.switches.values()].map((s) => s.pid!);
    const guests = [...run.nodes.values()].map((n) => n.pid!);
    const inRun = processesIn(run.paths.run);
    for (const pid of [filter, ...switches, ...guests]) assert.ok(inRun.includes(pid), `${pid} runs in the lab's run directory`);
    await engine.stop("faults");
    for (const pid of [filter, ...switches]) assert.equal(isAlive(pid), false, `${pid} is gone`);
    for (const pid of guests) assert.deepEqual(sessionMembers(pid), []);
    assert.deepEqual(processesIn(root), []);
    assert.deepEqual(engine.status(lab).links.filter((l) => l.pulled || l.impair), [], "a stopped lab has no faults");
  });
});
