import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseLabYaml } from "../../labfile/labyaml";
import { Engine } from "../engine";
import type { LabRun } from "../lab-run";
import { commOf, isAlive, processesIn, signal, waitFor } from "../procs";
import type { PacketRow } from "./types";

const LAB = `
umlab: 1
name: taps
nodes:
  a:
    eth: [sw1]
    startup: ip addr add 10.0.6.1/24 dev eth0; ip link set eth0 up
  b:
    eth: [sw1]
    startup: ip addr add 10.0.6.2/24 dev eth0; ip link set eth0 up
switches:
  sw1: {}
`;

const rtt = (out: string) => Number(/min\/avg\/max = [\d.]+\/([\d.]+)\//.exec(out)?.[1] ?? NaN);

/** Taps on links of a vde switch, with the link faults they must live with (real UML, vde_switch, vde_plug, wirefilter). */
describe("link taps: captures beside pulls and impairments, and a tap that dies", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-taps-"));
  const engine = new Engine(root);
  const lab = parseLabYaml(LAB);
  let run: LabRun;
  const rows = new Map<string, PacketRow[]>();
  const ping = (n = 2, wait = 2) => run.node("a").exec(`ping -c ${n} -W ${wait} 10.0.6.2`, 30);
  // A capture's plugs, not those UML's vde transport runs for each guest interface.
  const plugs = () => processesIn(run.paths.run).filter((p) => commOf(p) === "vde_plug" && readFileSync(`/proc/${p}/cmdline`, "latin1").includes("umlab-capture"));

  before(async () => {
    run = await engine.start(lab);
    run.on("capture-rows", (id: string, r: PacketRow[]) => rows.set(id, [...(rows.get(id) ?? []), ...r]));
    await run.waitRunning(90000);
  });
  after(async () => {
    await engine.stopAll();
    rmSync(root, { recursive: true, force: true });
  });

  it("keeps an impairment working through a tap: delayed while captured, and the capture sees each frame", async () => {
    await run.links.impair(lab, "a", 0, { lossPct: 0, delayMs: 100, bandwidthKbit: null, dupPct: 0 });
    const c = await run.captures.start({ target: { kind: "link", node: "a", iface: "eth0" } });
    const out = (await ping(3)).stdout;
    assert.match(out, /3 packets received/);
    assert.ok(rtt(out) >= 180, `the 100 ms each way still applies through the tap (rtt ${rtt(out)} ms)`);
    await waitFor(() => (rows.get(c.id) ?? []).filter((r) => r.protocol === "ICMP").length >= 6, 3000);
    const seen = (rows.get(c.id) ?? []).filter((r) => r.protocol === "ICMP").map((r) => `${r.dir}:${r.info.split(" ")[2]}`);
    assert.deepEqual(seen.slice(0, 2), ["out:request", "in:reply"]);
    await run.links.clear(lab, "a", 0);
    assert.ok(rtt((await ping(3)).stdout) < 50, "cleared while captured: fast again");
    await run.captures.remove(c.id);
    assert.match((await ping()).stdout, /2 packets received/);
  });

  it("shares one tap between captures of a link and of its switch, and ends it with the last", async () => {
    const link = await run.captures.start({ target: { kind: "link", node: "b", iface: "eth0" } });
    const sw = await run.captures.start({ target: { kind: "switch", name: "sw1" } });
    assert.equal(plugs().length, 4, "two links tapped (a's and b's): two plugs each");
    await ping();
    await waitFor(() => (rows.get(sw.id) ?? []).filter((r) => r.protocol === "ICMP").length >= 4, 3000);
    assert.equal((rows.get(sw.id) ?? []).filter((r) => r.protocol === "ICMP").length, 4, "the switch sees each frame once");
    await run.captures.remove(sw.id);
    assert.equal(plugs().length, 2, "b's tap stays for its link capture");
    await run.captures.remove(link.id);
    assert.equal(plugs().length, 0);
    assert.match((await ping()).stdout, /2 packets received/);
  });

  it("puts a node back on its own port when its tap dies, and says why the capture ended", async () => {
    const c = await run.captures.start({ target: { kind: "link", node: "a", iface: "eth0" } });
    const victim = plugs()[0];
    signal([victim], "SIGKILL");
    await waitFor(() => !isAlive(victim) && run.captures.list().find((x) => x.id === c.id)?.state === "stopped", 5000);
    const info = run.captures.list().find((x) => x.id === c.id)!;
    assert.equal(info.state, "stopped");
    assert.match(info.error ?? "", /vde_plug exited/);
    await waitFor(() => plugs().length === 0, 3000);
    assert.deepEqual(plugs(), [], "the other plug of the tap went too");
    assert.match((await ping()).stdout, /2 packets received/, "a reaches b without the tap");
  });
});
