import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseAddresses } from "./addresses";
import { parseBgpSummary, parseOspfNeighbors } from "./frr";
import { matches } from "./pattern";
import { parsePing, pingError } from "./ping";
import { parseRoutes } from "./routes";

describe("ping's summary", () => {
  it("reads iputils' and busybox's lines", () => {
    assert.deepEqual(parsePing("--- 10.0.0.2 ping statistics ---\n3 packets transmitted, 3 received, 0% packet loss, time 2003ms\n"), { transmitted: 3, received: 3, lossPct: 0 });
    assert.deepEqual(parsePing("3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2043ms"), { transmitted: 3, received: 0, lossPct: 100 });
    assert.deepEqual(parsePing("2 packets transmitted, 1 packets received, 50% packet loss"), { transmitted: 2, received: 1, lossPct: 50 });
    assert.equal(parsePing(""), null);
  });
  it("says why a ping sent nothing", () => {
    assert.equal(pingError("ping: connect: Network is unreachable\n"), "Network is unreachable");
    assert.equal(pingError("ping: sendto: Network is unreachable\n"), "Network is unreachable");
    assert.equal(pingError("ping: bad address 'nowhere'\n"), "bad address 'nowhere'");
    assert.equal(pingError(""), "no answer");
  });
});

describe("routing tables", () => {
  it("reads `ip -j route`: gateways, devices, multipath, host and default routes; skips blackholes", () => {
    const json = JSON.stringify([
      { dst: "default", gateway: "10.0.1.1", dev: "eth0", flags: [] },
      { dst: "10.0.1.0/24", dev: "eth0", protocol: "kernel", scope: "link", prefsrc: "10.0.1.10", flags: [] },
      { dst: "10.0.2.0/24", nhid: 12, protocol: "ospf", metric: 20, nexthops: [{ gateway: "10.0.12.2", dev: "eth1", weight: 1, flags: [] }, { gateway: "10.0.13.3", dev: "eth2", weight: 1, flags: [] }] },
      { dst: "2.2.2.2", gateway: "10.0.12.2", dev: "eth1", protocol: "ospf" },
      { type: "blackhole", dst: "192.168.0.0/16", flags: [] },
    ]);
    assert.deepEqual(parseRoutes(json, 4), [
      { prefix: "0.0.0.0/0", via: ["10.0.1.1"], dev: ["eth0"], protocol: null },
      { prefix: "10.0.1.0/24", via: [], dev: ["eth0"], protocol: "kernel" },
      { prefix: "10.0.2.0/24", via: ["10.0.12.2", "10.0.13.3"], dev: ["eth1", "eth2"], protocol: "ospf" },
      { prefix: "2.2.2.2/32", via: ["10.0.12.2"], dev: ["eth1"], protocol: "ospf" },
    ]);
  });
  it("reads busybox's `ip route` text the same way", () => {
    const text = "default via 10.0.1.1 dev eth0 \n10.0.1.0/24 dev eth0 scope link  src 10.0.1.10 \n10.0.2.0/24 proto ospf metric 20 \n\tnexthop via 10.0.12.2 dev eth1 weight 1 \n\tnexthop via 10.0.13.3 dev eth2 weight 1 \nblackhole 192.168.0.0/16 \n";
    assert.deepEqual(parseRoutes(text, 4), [
      { prefix: "0.0.0.0/0", via: ["10.0.1.1"], dev: ["eth0"], protocol: null },
      { prefix: "10.0.1.0/24", via: [], dev: ["eth0"], protocol: null },
      { prefix: "10.0.2.0/24", via: ["10.0.12.2", "10.0.13.3"], dev: ["eth1", "eth2"], protocol: "ospf" },
    ]);
  });
  it("normalizes IPv6 prefixes and next hops", () => {
    const json = JSON.stringify([{ dst: "2001:DB8:0:1::/64", gateway: "fe80::0:1", dev: "eth0" }, { dst: "default", gateway: "fe80::1", dev: "eth0" }]);
    assert.deepEqual(parseRoutes(json, 6).map((r) => [r.prefix, r.via[0]]), [["2001:db8:0:1::/64", "fe80::1"], ["::/0", "fe80::1"]]);
  });
  it("reads nothing from garbage", () => {
    assert.deepEqual(parseRoutes("[not json", 4), []);
    assert.deepEqual(parseRoutes("ip: invalid option", 4), []);
  });
});

describe("interface addresses", () => {
  it("reads `ip -j addr`", () => {
    const json = JSON.stringify([
      { ifindex: 1, ifname: "lo", addr_info: [{ family: "inet", local: "127.0.0.1", prefixlen: 8 }, { family: "inet6", local: "::1", prefixlen: 128 }] },
      { ifindex: 2, ifname: "eth0", addr_info: [{ family: "inet", local: "10.0.1.1", prefixlen: 24 }] },
      { ifindex: 3, ifname: "eth1", addr_info: [] },
    ]);
    assert.deepEqual([...parseAddresses(json)], [
      ["lo", ["127.0.0.1/8", "::1/128"]],
      ["eth0", ["10.0.1.1/24"]],
      ["eth1", []],
    ]);
  });
  it("reads busybox's `ip addr` text, VLAN interfaces by their own name", () => {
    const text = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast qlen 1000
    link/ether 02:fc:00:00:00:01 brd ff:ff:ff:ff:ff:ff
    inet 10.0.1.10/24 scope global eth0
    inet6 2001:db8::0:10/64 scope global
3: eth0.10@eth0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop qlen 1000
`;
    assert.deepEqual([...parseAddresses(text)], [
      ["lo", ["127.0.0.1/8"]],
      ["eth0", ["10.0.1.10/24", "2001:db8::10/64"]],
      ["eth0.10", []],
    ]);
  });
});

describe("FRR's JSON through vtysh", () => {
  it("reads OSPF neighbours: FRR 8's state with its role, a newer FRR's converged", () => {
    const frr8 = JSON.stringify({ neighbors: { "2.2.2.2": [{ priority: 1, state: "Full/DR", address: "10.0.12.2", ifaceName: "eth1:10.0.12.1" }], "3.3.3.3": [{ state: "Init/DROther", ifaceName: "eth2:10.0.13.1" }] } });
    assert.deepEqual(parseOspfNeighbors(frr8), [
      { routerId: "2.2.2.2", state: "Full", iface: "eth1" },
      { routerId: "3.3.3.3", state: "Init", iface: "eth2" },
    ]);
    const newer = JSON.stringify({ neighbors: { "2.2.2.2": [{ nbrState: "Full/-", converged: "Full", role: "DROther", ifaceName: "eth1:10.0.12.1" }] } });
    assert.deepEqual(parseOspfNeighbors(newer), [{ routerId: "2.2.2.2", state: "Full", iface: "eth1" }]);
    assert.deepEqual(parseOspfNeighbors("{}"), []);
    assert.equal(parseOspfNeighbors("ospfd is not running\n"), null);
  });
  it("reads BGP peers of every address family", () => {
    const summary = JSON.stringify({
      ipv4Unicast: { routerId: "1.1.1.1", as: 65001, peers: { "10.0.12.2": { remoteAs: 65002, state: "Established", peerState: "OK" }, "10.0.13.3": { remoteAs: 65003, state: "Idle (Admin)" } } },
      ipv6Unicast: { peers: { "2001:db8::2": { remoteAs: 65002, state: "Active" } } },
    });
    assert.deepEqual(parseBgpSummary(summary), [
      { peer: "10.0.12.2", remoteAs: 65002, state: "Established", family: "ipv4Unicast" },
      { peer: "10.0.13.3", remoteAs: 65003, state: "Idle (Admin)", family: "ipv4Unicast" },
      { peer: "2001:db8::2", remoteAs: 65002, state: "Active", family: "ipv6Unicast" },
    ]);
    assert.deepEqual(parseBgpSummary("{}"), []);
    assert.equal(parseBgpSummary("% BGP instance not found\n"), null);
  });
});

describe("patterns from lab files", () => {
  it("match by line (the m flag)", () => {
    assert.equal(matches("^router ospf$", "!\nrouter ospf\n ospf router-id 1.1.1.1\n"), true);
    assert.equal(matches("^router bgp", "router ospf\n"), false);
  });
  it("stop a pattern that backtracks without end, and cut the text they run on", () => {
    const t0 = Date.now();
    assert.equal(matches("^(a+)+$", `${"a".repeat(40)}b`), "timeout");
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(matches("b$", `${"a".repeat(70 * 1024)}b`), false, "text past 64 KiB is not read");
  });
});
