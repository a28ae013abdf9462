import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseLabYaml } from "../../labfile/labyaml";
import { Engine } from "../engine";
import { processesIn } from "../procs";
import { dataRoot } from "../paths";
import { fastKernel } from "./kernels";

// A lab on umlab's own kernel, with one node on Debian's beside it: each node
// boots the kernel it chose, and they talk. r1 is a Debian router image on the
// fast kernel, for what needs Debian's tools (tc, nft).
const LAB = `
umlab: 1
name: fastk
kernel: fast
nodes:
  f1:
    eth: [vde1, us1]
    startup: |
      ip addr add 10.7.1.1/24 dev eth0
      ip addr add 10.7.2.1/24 dev eth1
      ip link set eth0 up
      ip link set eth1 up
  f2:
    mem: 32M
    eth: [vde1, us1]
    startup: |
      ip addr add 10.7.1.2/24 dev eth0
      ip addr add 10.7.2.2/24 dev eth1
      ip link set eth0 up
      ip link set eth1 up
  d1:
    kernel: debian
    eth: [vde1]
    startup: |
      ip addr add 10.7.1.3/24 dev eth0
      ip link set eth0 up
  r1:
    image: router
    mem: 128M
    eth: [vde1]
    startup: |
      ip addr add 10.7.1.4/24 dev eth0
switches:
  vde1: {}
  us1: { kind: uml_switch }
`;

describe("umlab's fast kernel (real guests)", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-fastk-"));
  const engine = new Engine(root);
  const fast = fastKernel(root);

  before(async () => {
    // Not a skip: a test run without the fast kernel is a provisioning failure.
    assert.ok(fast, `umlab's fast kernel is not built (npm test builds it first; or run: node --import tsx scripts/build-kernel.mts with UMLAB_DATA=${dataRoot()})`);
    const run = await engine.start(parseLabYaml(LAB));
    await run.waitRunning(60000);
  });
  after(async () => {
    await engine.stopAll();
    rmSync(root, { recursive: true, force: true });
  });

  const node = (n: string) => engine.run("fastk")!.node(n);

  it("boots each node on the kernel it chose", async () => {
    assert.equal((await node("f1").exec("uname -r")).stdout.trim(), fast!.release);
    assert.notEqual((await node("d1").exec("uname -r")).stdout.trim(), fast!.release);
    assert.match((await node("f1").exec("cat /proc/cmdline")).stdout, /mem=64M/);
  });

  it("pings over a vde switch and over a uml_switch, and across kernels", async () => {
    const r = await node("f1").exec("ping -c 2 -W 5 10.7.1.2 && ping -c 2 -W 5 10.7.2.2 && ping -c 2 -W 5 10.7.1.3");
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  });

  it("runs a 32M guest", async () => {
    assert.match((await node("f2").exec("cat /proc/cmdline")).stdout, /mem=32M/);
    // What is left after the kernel varies from boot to boot (UML's exec-shield adjustment): between 10 and 32M.
    const kb = Number(/MemTotal:\s+(\d+)/.exec((await node("f2").exec("cat /proc/meminfo")).stdout)?.[1]);
    assert.ok(kb > 8 * 1024 && kb <= 32 * 1024, `MemTotal ${kb} kB`);
  });

  it("loads modules: softdog, netem, nf_tables, bridge, 802.1Q", async () => {
    const r = await node("f1").exec("for m in softdog sch_netem nf_tables bridge 8021q; do modprobe $m || exit 1; done; cut -d' ' -f1 /proc/modules | sort | tr '\\n' ' '");
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    for (const m of ["softdog", "sch_netem", "nf_tables", "bridge", "8021q"]) assert.match(r.stdout, new RegExp(`\\b${m}\\b`));
  });

  it("keeps its COW disk across a restart, and halts and reboots through the machine console", async () => {
    await node("f2").exec("echo kept > /root/mark; sync");
    assert.ok((await node("f2").mconsole({ op: "reboot" })).ok);
    await new Promise((r) => setTimeout(r, 500));
    await node("f2").waitRunning(30000);
    assert.equal((await node("f2").exec("cat /root/mark")).stdout, "kept\n");
    const halted = new Promise<void>((resolve) => node("f2").on("state", (s) => s.state === "halted" && resolve()));
    await node("f2").mconsole({ op: "halt" }).catch(() => {});
    await halted;
    await node("f2").start();
    await node("f2").waitRunning(30000);
    assert.equal((await node("f2").exec("cat /root/mark")).stdout, "kept\n");
  });

  it("shapes traffic: tc netem delay changes the measured ping", async () => {
    const rtt = async () => {
      const r = await node("r1").exec("ping -c 3 -i 0.2 -W 5 10.7.1.1");
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      return Number(/= [\d.]+\/([\d.]+)\//.exec(r.stdout)![1]);
    };
    const before = await rtt();
    const add = await node("r1").exec("tc qdisc add dev eth0 root netem delay 50ms && tc qdisc show dev eth0");
    assert.equal(add.exitCode, 0, add.stderr);
    assert.match(add.stdout, /netem .*delay 50ms/);
    const after = await rtt();
    assert.ok(before < 20 && after >= 50, `ping ${before} ms before netem, ${after} ms after`);
    await node("r1").exec("tc qdisc del dev eth0 root");
  });

  it("filters with nftables: a table added shows in nft list ruleset", async () => {
    const r = await node("r1").exec("nft add table inet umlab && nft add chain inet umlab input '{ type filter hook input priority 0; }' && nft list ruleset");
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /table inet umlab \{\s+chain input \{\s+type filter hook input priority filter; policy accept;/);
  });

  it("stops without leaving a process", async () => {
    const dir = engine.run("fastk")!.paths.run;
    await engine.stop("fastk");
    assert.deepEqual(processesIn(dir), []);
  });
});
