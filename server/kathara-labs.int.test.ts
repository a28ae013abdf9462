import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Engine } from "./engine/engine";
import type { LabRun } from "./engine/lab-run";
import { processesIn } from "./engine/procs";
import { readFolder } from "./labfile/archive";
import { parseKathara } from "./labfile/kathara";
import { resolveLab } from "./model/lab";
import { until } from "./test-support";

// Kathará lab folders written for these tests the way Kathará's own labs are
// (lab.conf, .startup files, etc/ overlays), imported unchanged and started on
// real UML guests with the kathara image: each reaches its working state.

/** One engine for the file; each describe starts its lab in before() and stops it in after(). */
const root = mkdtempSync(join(tmpdir(), "umlab-klabs-"));
const engine = new Engine(root);
after(async () => {
  await engine.stopAll();
  assert.deepEqual(processesIn(root), []);
  rmSync(root, { recursive: true, force: true });
});

function katharaLab(folder: string): { run: () => LabRun; warnings: () => string[] } {
  let run: LabRun | undefined;
  let warnings: string[] = [];
  before(async () => {
    const imported = parseKathara(readFolder(join(import.meta.dirname, "labfile", "fixtures", "kathara", folder)).files, { name: folder });
    warnings = imported.warnings;
    const lab = resolveLab(imported.raw);
    assert.ok(lab.nodes.every((n) => n.image === "kathara"), "every device runs the kathara image");
    run = await engine.start(lab);
    await run.waitRunning(120_000);
  });
  after(async () => {
    await engine.stop(folder);
  });
  return { run: () => run!, warnings: () => warnings };
}

const sh = async (run: LabRun, node: string, command: string) => {
  const r = await run.node(node).exec(command);
  return { ...r, all: r.stdout + r.stderr };
};

describe("a Kathará web lab: `systemctl start apache2` serves the lab's own index.html", () => {
  const lab = katharaLab("apache");

  it("answers the client's curl with the page from the server's overlay", async () => {
    const r = await until("the page", 30_000, async () => {
      const got = await sh(lab.run(), "client", "curl -s --max-time 3 http://10.0.0.1/");
      return got.stdout.includes("served by umlab-apache-42") ? got : null;
    });
    assert.match(r.value.stdout, /<body>served by umlab-apache-42<\/body>/);
    const status = await sh(lab.run(), "server", "systemctl is-active apache2 && echo active");
    assert.match(status.stdout, /active/, status.all);
  });
});

describe("a Kathará DNS lab: root, TLD and authoritative servers (named, bind, bind9) and a resolver answer a client", () => {
  const lab = katharaLab("dns");

  it("resolves www.example.org through the resolver, which follows the referrals from the lab's root", async () => {
    const r = await until("an answer", 45_000, async () => {
      const got = await sh(lab.run(), "client", "dig +short +time=2 +tries=1 www.example.org");
      return got.stdout.trim() === "10.0.0.80" ? got : null;
    });
    assert.equal(r.value.stdout.trim(), "10.0.0.80");
    // The TLD server refers example.org to its own server and recurses for no one.
    const referral = await sh(lab.run(), "client", "dig +norecurse @10.0.0.2 www.example.org");
    assert.match(referral.stdout, /AUTHORITY SECTION:\nexample\.org\.\s+\d+\s+IN\s+NS\s+dns\.example\.org\./, referral.all);
    const refused = await sh(lab.run(), "client", "dig @10.0.0.2 www.debian.org");
    assert.doesNotMatch(refused.stdout, /ANSWER SECTION/, refused.all);
  });
});

describe("a Quagga-era Kathará lab: /etc/init.d/zebra, systemctl start quagga and /etc/init.d/quagga run FRR on the lab's /etc/quagga files", () => {
  const lab = katharaLab("quagga-ospf");

  it("imports without a word about Quagga", () => {
    assert.ok(!lab.warnings().some((w) => /quagga/i.test(w)), lab.warnings().join("\n"));
  });

  it("converges: OSPF neighbours Full, r1's static route in zebra.conf redistributed to r3, vtysh works", async () => {
    for (const n of ["r1", "r2", "r3"]) {
      const r = await sh(lab.run(), n, "systemctl status quagga");
      assert.match(r.stdout, /zebra: running/, `${n}: ${r.all}`);
      assert.match(r.stdout, /ospfd: running/, `${n}: ${r.all}`);
    }
    await until("r1 learns 10.3.0.0/24 by OSPF", 90_000, async () => /10\.3\.0\.0\/24 .*proto ospf/.test((await sh(lab.run(), "r1", "ip route")).stdout), 500);
    await until("r3 learns r1's static 10.99.0.0/24 by OSPF", 30_000, async () => /10\.99\.0\.0\/24 .*proto ospf/.test((await sh(lab.run(), "r3", "ip route")).stdout), 500);
    const ping = await sh(lab.run(), "r1", "ping -c 2 -W 3 -I 10.1.0.1 10.3.0.3");
    assert.equal(ping.exitCode, 0, ping.all);
    const neighbours = await sh(lab.run(), "r2", "vtysh -c 'show ip ospf neighbor'");
    assert.equal(neighbours.stdout.match(/Full\//g)?.length, 2, neighbours.all);
  });

  it("shows the statement FRR refused with its file and line, on the node's console", async () => {
    const text = lab.run().node("r3").console.text();
    assert.match(text, /\/etc\/quagga\/ospfd\.conf: line 14: % Unknown command: +ospf wrongly-spelled-statement/, text.slice(-3000));
    assert.doesNotMatch(text, /zebra\.conf: line/, "zebra.conf's static route is FRR's too (staticd)");
  });
});

describe("a Kathará BGP unnumbered pair: peering over IPv6 link-local addresses from router advertisements", () => {
  const lab = katharaLab("bgp-unnumbered");

  it("establishes the session and exchanges the IPv4 networks, reachable through IPv6 next hops", async () => {
    await until("r1's session Established", 90_000, async () => /Established|\d+\s+\d+\s+N\/A\s*$/m.test((await sh(lab.run(), "r1", "vtysh -c 'show bgp neighbors eth0'")).stdout), 1000);
    await until("r1 learns 10.2.2.0/24", 60_000, async () => /10\.2\.2\.0\/24 .*proto bgp/.test((await sh(lab.run(), "r1", "ip route")).stdout), 1000);
    await until("r2 learns 10.1.1.0/24", 30_000, async () => /10\.1\.1\.0\/24 .*proto bgp/.test((await sh(lab.run(), "r2", "ip route")).stdout), 1000);
    const ping = await sh(lab.run(), "r1", "ping -c 2 -W 3 -I 10.1.1.1 10.2.2.1");
    assert.equal(ping.exitCode, 0, ping.all);
  });
});

describe("a Kathará VXLAN lab: two hosts joined by a VXLAN overlay", () => {
  const lab = katharaLab("vxlan");

  it("pings across the overlay, and the underlay carries it as VXLAN (UDP 4789)", async () => {
    await until("h1 reaches h2 over vxlan100", 30_000, async () => (await sh(lab.run(), "h1", "ping -c 1 -W 2 192.168.100.2")).exitCode === 0, 500);
    const link = await sh(lab.run(), "h2", "ip -d link show vxlan100");
    assert.match(link.stdout, /vxlan id 100 remote 10\.0\.0\.1/, link.all);
    const capture = await sh(lab.run(), "h2", "timeout 5 tcpdump -c 1 -ni eth0 udp port 4789 & sleep 1; ping -c 2 -W 2 192.168.100.1 >/dev/null; wait");
    assert.match(capture.all, /VXLAN|4789/, capture.all);
  });
});

describe("a Kathará lab with a VLAN-aware bridge in a device, IPv6 hosts and tc", () => {
  const lab = katharaLab("bridge-vlan");

  it("bridges hosts of one VLAN over IPv6 and keeps the other VLAN apart; netem delays h1's link", async () => {
    const r = await until("h1 reaches h2 over IPv6 through br's VLAN 10", 30_000, async () => {
      const got = await sh(lab.run(), "h1", "ping -6 -c 2 -W 3 2001:db8::2");
      return got.exitCode === 0 ? got : null;
    }, 500);
    const rtts = [...r.value.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
    assert.ok(rtts.length > 0 && rtts.every((t) => t >= 100), `netem's 100 ms on every round trip: ${r.value.stdout}`);
    const apart = await sh(lab.run(), "h1", "ping -6 -c 2 -W 2 2001:db8::3");
    assert.notEqual(apart.exitCode, 0, `h3 is in VLAN 20: ${apart.all}`);
    const vlans = await sh(lab.run(), "br", "bridge vlan show");
    assert.match(vlans.stdout, /eth2(\s+1 Egress Untagged)?\s+20 PVID Egress Untagged/, vlans.all);
  });
});

describe("a Kathará lab with IPIP and GRE tunnels, a DHCP server and ssh", () => {
  const lab = katharaLab("tunnels-dhcp");

  it("pings through the IPIP and the GRE tunnel, and the transit link carries them as IP protocols 4 and 47", async () => {
    await until("r2 reaches r1 over ipip1", 30_000, async () => (await sh(lab.run(), "r2", "ping -c 1 -W 2 10.99.0.1")).exitCode === 0, 500);
    assert.equal((await sh(lab.run(), "r2", "ping -c 1 -W 2 10.98.0.1")).exitCode, 0, "over gre1");
    const ipip = await sh(lab.run(), "r1", "timeout 6 tcpdump -c 1 -ni eth0 'ip proto 4' & sleep 1; ping -c 1 -W 2 10.99.0.2 >/dev/null; wait");
    assert.match(ipip.all, /IP 172\.16\.0\.1 > 172\.16\.0\.2: IP 10\.99\.0\.1 > 10\.99\.0\.2: ICMP echo request/, ipip.all);
    // r1's own frames, and a few: the GRE link also carries IPv6 router solicitations once it is up (the full run caught r2's).
    const gre = await sh(lab.run(), "r1", "timeout 6 tcpdump -c 3 -ni eth0 'ip proto 47 and src host 172.16.0.1' & sleep 1; ping -c 1 -W 2 10.98.0.2 >/dev/null; wait");
    assert.match(gre.all, /IP 172\.16\.0\.1 > 172\.16\.0\.2: GREv0.*IP 10\.98\.0\.1 > 10\.98\.0\.2: ICMP echo request/, gre.all);
  });

  it("gives pc1 an address from r1's isc-dhcp-server, and r1's ssh answers it", async () => {
    const got = await until("pc1 leased an address", 60_000, async () => {
      const a = await sh(lab.run(), "pc1", "ip -4 -o address show dev eth0");
      return /inet 192\.168\.10\.(1[0-4]\d|150)\//.test(a.stdout) && a.stdout;
    }, 1000);
    assert.match(got.value, /192\.168\.10\./);
    assert.equal((await sh(lab.run(), "pc1", "ping -c 1 -W 2 192.168.10.1")).exitCode, 0);
    const banner = await sh(lab.run(), "pc1", "timeout 5 bash -c 'exec 3<>/dev/tcp/192.168.10.1/22; head -c 8 <&3'");
    assert.equal(banner.stdout, "SSH-2.0-", banner.all);
  });
});

describe("a Kathará lab with a static MPLS path", () => {
  const lab = katharaLab("mpls");

  it("carries r1's ping to r3 labelled 100 and the answer back labelled 200, r2 forwarding by label", async () => {
    await until("r1 reaches r3's loopback over MPLS", 30_000, async () => (await sh(lab.run(), "r1", "ping -c 1 -W 2 -I 1.1.1.1 3.3.3.3")).exitCode === 0, 500);
    const routes = await sh(lab.run(), "r2", "ip -f mpls route show");
    assert.match(routes.stdout, /^100 via inet 10\.0\.2\.3 dev eth1/m, routes.all);
    assert.match(routes.stdout, /^200 via inet 10\.0\.1\.1 dev eth0/m, routes.all);
    // Captured on r2's side to r1 while r1 pings: the request comes in labelled 100 (r2 pops it towards r3).
    const capture = sh(lab.run(), "r2", "timeout 8 tcpdump -c 1 -ni eth0 mpls");
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await sh(lab.run(), "r1", "ping -c 2 -W 2 -I 1.1.1.1 3.3.3.3")).exitCode, 0);
    const got = await capture;
    assert.match(got.all, /MPLS \(label 100, \w+ 0, \[S\], ttl \d+\) IP 1\.1\.1\.1 > 3\.3\.3\.3: ICMP echo request/, got.all);
  });
});
