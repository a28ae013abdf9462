import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveChecks, type Check, type CheckTest } from "../model/check";
import type { RawCheck } from "../model/check-schema";
import { judge, probeOf, type Answer } from "./probes";

const test = (raw: Omit<RawCheck, "id">): CheckTest => {
  const problems: never[] = [];
  const [c] = resolveChecks([{ id: "c", ...raw }], { nodes: new Set(["h1", "r1", "r2"]) }, problems) as Check[];
  assert.deepEqual(problems, []);
  return c.test;
};
const answer = (stdout: string, exitCode = 0, stderr = ""): Answer => ({ stdout, stderr, exitCode });
const verdict = (raw: Omit<RawCheck, "id">, a: Answer) => judge(test(raw), a);

describe("what each test runs in its node", () => {
  it("passes the lab file's words as argv items, never inside a script", () => {
    assert.deepEqual(probeOf(test({ reach: { node: "h1", to: "10.0.2.2", count: 2 } })), { node: "h1", argv: ["ping", "-c", "2", "-W", "2", "10.0.2.2"], timeoutS: 11 });
    assert.deepEqual(probeOf(test({ file: { node: "h1", path: "/etc/a b'; rm -rf /", content: "x" } })).argv, ["head", "-c", "65537", "/etc/a b'; rm -rf /"]);
    assert.deepEqual(probeOf(test({ ospf: { node: "r1", neighbor: "2.2.2.2" } })).argv, ["vtysh", "-c", "show ip ospf neighbor json"]);
    for (const raw of [{ route: { node: "r1", to: "10.0.2.0/24", via: "10.0.12.2" } }, { address: { node: "h1", interface: "eth0", address: "10.0.1.10/24" } }, { daemon: { node: "r2", name: "ospfd" } }]) {
      const p = probeOf(test(raw));
      assert.ok(p.script && !/10\.0|eth0|ospfd/.test(p.script), `a fixed script: ${p.script}`);
    }
    assert.match(probeOf(test({ route: { node: "r1", to: "2001:db8::/64" } })).script!, /ip -j -6 route/);
  });
});

describe("verdicts and what they say was seen", () => {
  it("reach", () => {
    assert.deepEqual(verdict({ reach: { node: "h1", to: "10.0.2.2" } }, answer("3 packets transmitted, 3 received, 0% packet loss")), { passed: true, reason: "ping 10.0.2.2 from h1: 0% loss" });
    assert.deepEqual(verdict({ reach: { node: "h1", to: "10.0.2.2" } }, answer("3 packets transmitted, 0 packets received, 100% packet loss", 1)), { passed: false, reason: "ping 10.0.2.2 from h1: 100% loss" });
    assert.deepEqual(verdict({ reach: { node: "h1", to: "10.0.2.2" } }, answer("", 2, "ping: connect: Network is unreachable\n")), { passed: false, reason: "ping 10.0.2.2 from h1: Network is unreachable" });
    assert.equal(verdict({ reach: { node: "h1", to: "10.9.9.9", reachable: false } }, answer("1 packets transmitted, 0 received, 100% packet loss", 1)).passed, true);
  });
  it("route: present, via, dev, absent", () => {
    const table = JSON.stringify([{ dst: "10.0.2.0/24", gateway: "10.0.12.2", dev: "eth1", protocol: "ospf" }]);
    assert.equal(verdict({ route: { node: "r1", to: "10.0.2.0/24", via: "10.0.12.2", dev: "eth1" } }, answer(table)).passed, true);
    assert.deepEqual(verdict({ route: { node: "r1", to: "10.0.3.0/24" } }, answer(table)), { passed: false, reason: "no route to 10.0.3.0/24 in r1's table" });
    assert.deepEqual(verdict({ route: { node: "r1", to: "10.0.2.7/24", via: "10.0.12.3" } }, answer(table)), { passed: false, reason: "r1's route to 10.0.2.7/24 goes via 10.0.12.2, not via 10.0.12.3" });
    assert.deepEqual(verdict({ route: { node: "r1", to: "10.0.2.0/24", dev: "eth2" } }, answer(table)), { passed: false, reason: "r1's route to 10.0.2.0/24 goes via 10.0.12.2 dev eth1, not on eth2" });
    assert.deepEqual(verdict({ route: { node: "r1", to: "10.0.2.0/24", absent: true } }, answer(table)), { passed: false, reason: "r1 has a route to 10.0.2.0/24 (via 10.0.12.2 dev eth1)" });
    assert.equal(verdict({ route: { node: "h1", to: "default", via: "10.0.1.1" } }, answer("default via 10.0.1.1 dev eth0 \n")).passed, true);
  });
  it("address", () => {
    const addrs = "2: eth0: <UP>\n    inet 10.0.1.10/16 scope global eth0\n    inet6 fe80::1/64 scope link\n";
    assert.deepEqual(verdict({ address: { node: "h1", interface: "eth0", address: "10.0.1.10/24" } }, answer(addrs)), { passed: false, reason: "h1's eth0 has 10.0.1.10/16, not /24" });
    assert.deepEqual(verdict({ address: { node: "h1", interface: "eth0", address: "10.0.1.11/16" } }, answer(addrs)), { passed: false, reason: "h1's eth0 has no 10.0.1.11/16 (it has: 10.0.1.10/16)" });
    assert.deepEqual(verdict({ address: { node: "h1", interface: "eth1", address: "10.0.1.11/16" } }, answer(addrs)), { passed: false, reason: "h1 has no interface eth1" });
    assert.equal(verdict({ address: { node: "h1", interface: "eth0", address: "10.0.1.10/16" } }, answer(addrs)).passed, true);
  });
  it("ospf and bgp", () => {
    const ospf = JSON.stringify({ neighbors: { "2.2.2.2": [{ state: "Init/DROther", ifaceName: "eth1:10.0.12.1" }] } });
    assert.deepEqual(verdict({ ospf: { node: "r1", neighbor: "2.2.2.2" } }, answer(ospf)), { passed: false, reason: "r1's OSPF neighbour 2.2.2.2 is Init, not Full" });
    assert.deepEqual(verdict({ ospf: { node: "r1", neighbor: "3.3.3.3" } }, answer(ospf)), { passed: false, reason: "r1 has no OSPF neighbour 3.3.3.3 (it has: 2.2.2.2 Init)" });
    assert.equal(verdict({ ospf: { node: "r1", neighbor: "2.2.2.2", state: "init" } }, answer(ospf)).passed, true);
    assert.deepEqual(verdict({ ospf: { node: "r1", neighbor: "2.2.2.2" } }, answer("ospfd is not running\n", 1)), { passed: false, reason: "vtysh on r1: ospfd is not running" });
    const bgp = JSON.stringify({ ipv4Unicast: { peers: { "10.0.12.2": { remoteAs: 65002, state: "Idle (Admin)" } } } });
    assert.deepEqual(verdict({ bgp: { node: "r1", peer: "10.0.12.2", asn: 65002 } }, answer(bgp)), { passed: false, reason: "r1's BGP peer 10.0.12.2 is Idle (Admin), not Established" });
    assert.deepEqual(verdict({ bgp: { node: "r1", peer: "10.0.12.2", asn: 65009 } }, answer(bgp)), { passed: false, reason: "r1's BGP peer 10.0.12.2 is AS 65002, not AS 65009" });
    assert.equal(verdict({ bgp: { node: "r1", peer: "10.0.12.2", state: "Idle" } }, answer(bgp)).passed, true);
  });
  it("daemon: running or not, by its name (the first 15 characters the kernel keeps)", () => {
    const procs = "init\nzebra\nospfd\nsh\n";
    assert.deepEqual(verdict({ daemon: { node: "r2", name: "ospfd" } }, answer(procs)), { passed: true, reason: "ospfd runs on r2" });
    assert.deepEqual(verdict({ daemon: { node: "r2", name: "bgpd" } }, answer(procs)), { passed: false, reason: "bgpd is not running on r2" });
    assert.deepEqual(verdict({ daemon: { node: "r2", name: "zebra", running: false } }, answer(procs)), { passed: false, reason: "zebra runs on r2 (1 process)" });
    assert.equal(verdict({ daemon: { node: "r2", name: "a-very-long-daemon-name" } }, answer("a-very-long-dae\n")).passed, true);
  });
  it("file: exact text (trailing blank space aside) or a pattern; a file that cannot be read", () => {
    assert.equal(verdict({ file: { node: "h1", path: "/etc/motd", content: "hello\n" } }, answer("hello\n\n")).passed, true);
    assert.deepEqual(verdict({ file: { node: "h1", path: "/etc/motd", content: "hello\nworld\n" } }, answer("hello\nthere\n")), { passed: false, reason: 'h1:/etc/motd differs from the expected text at line 2: "there"' });
    assert.deepEqual(verdict({ file: { node: "h1", path: "/etc/x", pattern: "^a" } }, answer("", 1, "head: /etc/x: No such file or directory\n")), { passed: false, reason: "cannot read h1:/etc/x: /etc/x: No such file or directory" });
    assert.deepEqual(verdict({ file: { node: "r1", path: "/etc/frr/frr.conf", pattern: "^router ospf" } }, answer("router bgp 1\n")), { passed: false, reason: "r1:/etc/frr/frr.conf does not match /^router ospf/" });
  });
  it("command: exit code, exact output, pattern", () => {
    assert.deepEqual(verdict({ command: { node: "r1", argv: ["ping", "-c1", "10.0.1.10"] } }, answer("", 1, "")), { passed: false, reason: "`ping -c1 10.0.1.10` on r1 exited 1, not 0: exit code 1" });
    assert.equal(verdict({ command: { node: "r1", script: "false", exit: 1 } }, answer("", 1)).passed, true);
    assert.equal(verdict({ command: { node: "h1", argv: ["cat", "/etc/motd"], stdout: "welcome" } }, answer("welcome\n")).passed, true);
    assert.deepEqual(verdict({ command: { node: "h1", argv: ["cat", "/etc/motd"], stdout: "welcome" } }, answer("changed\n")), { passed: false, reason: '`cat /etc/motd` on h1 printed "changed", not the expected output' });
    assert.deepEqual(verdict({ command: { node: "r1", argv: ["vtysh", "-c", "show run"], pattern: "^router ospf", exit: "any" } }, answer("frr version 8\n", 1)), { passed: false, reason: '`vtysh -c show run` on r1 printed no match for /^router ospf/: "frr version 8"' });
  });
});
