import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LabDefinitionError } from "./errors";
import { resolveLab, toRawLab } from "./lab";
import { parseMemory } from "./memory";
import { isValidName } from "./names";

describe("model", () => {
  it("accepts safe names and rejects the rest", () => {
    for (const ok of ["a", "node01", "r-1", "a".repeat(31)]) assert.ok(isValidName(ok), ok);
    for (const bad of ["", "1node", "Node", "a_b", "a.b", "a/b", "a".repeat(32), "../x", "a b"]) assert.ok(!isValidName(bad), bad);
  });

  it("parses memory sizes", () => {
    assert.equal(parseMemory("48M"), 48);
    assert.equal(parseMemory("1G"), 1024);
    assert.equal(parseMemory("64MiB"), 64);
    assert.equal(parseMemory(32), 32);
    assert.match(String(parseMemory("-1M")), /positive/);
    assert.match(String(parseMemory("lots")), /not a memory size/);
    assert.match(String(parseMemory(-3)), /positive/);
  });

  it("lists every problem of a definition with its path", () => {
    try {
      resolveLab({
        name: "Bad Lab",
        nodes: { a: { eth: ["nope"], mem: "8M", files: { "etc/x": "" } } },
        switches: { "s-1": {} },
      });
      assert.fail("resolved");
    } catch (e) {
      assert.ok(e instanceof LabDefinitionError);
      const paths = e.problems.map((p) => p.path.join("."));
      assert.deepEqual(paths.sort(), ["name", "nodes.a.eth.0", "nodes.a.files.etc/x", "nodes.a.mem"].sort());
    }
  });

  it("rejects a field it does not know instead of dropping it", () => {
    assert.throws(() => resolveLab({ name: "x", nodes: { a: { memroy: "64M" } } }), /memroy/);
  });

  it("keeps roles and canvas positions, rounded to whole pixels", () => {
    const lab = resolveLab({ name: "x", nodes: { r1: { role: "router", pos: [10.4, -3.6] }, h1: {} }, switches: { sw1: { pos: [0, 5] } } });
    assert.deepEqual(lab.nodes.map((n) => [n.role, n.pos]), [["router", { x: 10, y: -4 }], ["host", null]]);
    assert.deepEqual(lab.switches[0].pos, { x: 0, y: 5 });
    assert.deepEqual(toRawLab(lab).nodes, { r1: { role: "router", pos: [10, -4] }, h1: {} });
    assert.throws(() => resolveLab({ name: "x", nodes: { a: { role: "bridge" } } }), /role/);
    assert.throws(() => resolveLab({ name: "x", nodes: { a: { pos: [1] } } }), /pos/);
  });

  it("keeps a start order and refuses unknown nodes and cycles in it", () => {
    const lab = resolveLab({ name: "x", nodes: { a: {}, b: { after: ["a"] }, c: { after: ["a", "b", "a"] } } });
    assert.deepEqual(lab.nodes.map((n) => n.after), [[], ["a"], ["a", "b"]]);
    assert.deepEqual(toRawLab(lab).nodes?.c, { after: ["a", "b"] });
    const problems = (input: unknown) => {
      try {
        resolveLab(input);
      } catch (e) {
        return (e as LabDefinitionError).problems.map((p) => `${p.path.join(".")}: ${p.message}`);
      }
      return [];
    };
    assert.deepEqual(problems({ name: "x", nodes: { a: { after: ["ghost"] } } }), ['nodes.a.after.0: "ghost" is not a node of this lab']);
    assert.deepEqual(problems({ name: "x", nodes: { a: { after: ["a"] } } }), ["nodes.a.after.0: a node cannot start after itself"]);
    assert.deepEqual(problems({ name: "x", nodes: { a: { after: ["c"] }, b: { after: ["a"] }, c: { after: ["b"] } } }), ["nodes.a.after: start order has a cycle: a → c → b → a"]);
  });

  it("keeps the lab's shared startup and files, with the same path rules as a node's", () => {
    const lab = resolveLab({ name: "x", shared: { startup: "echo hi", files: { "/etc/frr/daemons": "ospfd=yes\n" } } });
    assert.deepEqual(lab.shared, { startup: "echo hi", files: { "/etc/frr/daemons": "ospfd=yes\n" } });
    assert.deepEqual(toRawLab(lab).shared, { startup: "echo hi", files: { "/etc/frr/daemons": "ospfd=yes\n" } });
    assert.equal(toRawLab(resolveLab({ name: "x" })).shared, undefined);
    assert.throws(() => resolveLab({ name: "x", shared: { files: { "etc/x": "" } } }), /shared.*must be absolute|must be absolute/);
  });

  it("keeps gateways on vde switches, one per switch, with valid port forwards", () => {
    const lab = resolveLab({ name: "x", switches: { lan: {} }, gateways: { internet: { switch: "lan", forward: ["8080:10.0.2.15:80"], pos: [1, 2] } } });
    assert.deepEqual(lab.gateways, [{ name: "internet", switch: "lan", dhcp: true, forward: ["8080:10.0.2.15:80"], hostPorts: [], pos: { x: 1, y: 2 } }]);
    assert.deepEqual(toRawLab(lab).gateways, { internet: { switch: "lan", forward: ["8080:10.0.2.15:80"], pos: [1, 2] } });
    // Host ports opened to the lab on purpose (docs/SECURITY.md), each a port.
    const open = resolveLab({ name: "x", switches: { lan: {} }, gateways: { internet: { switch: "lan", hostPorts: [8080, 5432] } } });
    assert.deepEqual(open.gateways[0].hostPorts, [8080, 5432]);
    assert.deepEqual(toRawLab(open).gateways, { internet: { switch: "lan", hostPorts: [8080, 5432] } });
    const message = (input: unknown) => {
      try {
        resolveLab(input);
        return "";
      } catch (e) {
        return (e as Error).message;
      }
    };
    assert.match(message({ name: "x", switches: { old: { kind: "uml_switch" } }, gateways: { gw: { switch: "old" } } }), /a gateway needs a vde switch/);
    assert.match(message({ name: "x", gateways: { gw: { switch: "nowhere" } } }), /"nowhere" is not a switch/);
    assert.match(message({ name: "x", switches: { lan: {} }, gateways: { g1: { switch: "lan" }, g2: { switch: "lan" } } }), /already has gateway "g1"/);
    assert.match(message({ name: "x", switches: { lan: {} }, gateways: { g1: { switch: "lan", forward: ["80:host:80"] } } }), /HOSTPORT:GUESTADDR:GUESTPORT/);
    assert.match(message({ name: "x", switches: { lan: {} }, gateways: { lan: { switch: "lan" } } }), /already the name of a switch/);
    assert.match(message({ name: "x", switches: { lan: {} }, gateways: { g1: { switch: "lan", hostPorts: [0] } } }), /0 is not a port/);
  });

  it("keeps a switch's host tap, one switch per host interface, with a checked name and address", () => {
    const lab = resolveLab({ name: "x", switches: { lan: { tap: { name: "umlab0", address: "10.0.0.254/24" } }, old: { kind: "uml_switch", tap: { name: "umlab1" } } } });
    assert.deepEqual(lab.switches.map((s) => s.tap), [{ name: "umlab0", address: "10.0.0.254/24" }, { name: "umlab1", address: null }]);
    assert.deepEqual(toRawLab(lab).switches, { lan: { tap: { name: "umlab0", address: "10.0.0.254/24" } }, old: { kind: "uml_switch", tap: { name: "umlab1" } } });
    assert.throws(() => resolveLab({ name: "x", switches: { a: { tap: { name: "Eth0" } } } }), /host interface name/);
    assert.throws(() => resolveLab({ name: "x", switches: { a: { tap: { name: "t0", address: "10.0.0.300/24" } } } }), /IPv4 address with its prefix/);
    assert.throws(() => resolveLab({ name: "x", switches: { a: { tap: { name: "t0" } }, b: { tap: { name: "t0" } } } }), /already the tap of switch "a"/);
  });
});
