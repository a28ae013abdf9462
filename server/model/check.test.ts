import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toDoc, toRaw, renameElement } from "@/components/topology/doc";
import { LabFileError, parseLabYaml, serializeLabYaml } from "../labfile/labyaml";
import { parseInterfaceAddress, parsePrefix, prefixText } from "./address";
import { renameInChecks } from "./check";
import { resolveLab, toRawLab } from "./lab";

const LAB = `umlab: 1
name: graded
nodes:
  h1: { eth: [lan] }
  r1: { image: router, eth: [lan] }
switches:
  lan: {}
checks:
  - id: h1-reaches-r1
    points: 2
    hint: give h1 an address in 10.0.1.0/24
    wait: 5
    reach: { node: h1, to: 10.0.1.1 }
  - id: r1-default
    route: { node: r1, to: default, via: 10.0.1.254, dev: eth0 }
  - id: ospf
    hidden: true
    ospf: { node: r1, neighbor: 2.2.2.2, state: Full }
  - id: bgp
    bgp: { node: r1, peer: 10.0.1.2, asn: 65002 }
  - id: no-httpd
    description: h1 runs no web server
    daemon: { node: h1, name: httpd, running: false }
  - id: addr
    address: { node: h1, interface: eth0, address: 10.0.1.10/24 }
  - id: motd
    file: { node: h1, path: /etc/motd, content: "welcome\\n" }
  - id: frr-conf
    file: { node: r1, path: /etc/frr/frr.conf, pattern: "^router ospf" }
  - id: script
    command:
      node: r1
      script: |
        vtysh -c 'show running-config'
        true
      exit: any
      pattern: router-id 1\\.1\\.1\\.1
  - id: argv
    command: { node: h1, argv: [cat, /etc/hostname], stdout: h1, timeout: 5 }
`;

const problems = (yaml: string) => {
  try {
    parseLabYaml(yaml);
  } catch (e) {
    if (e instanceof LabFileError) return e.message;
    throw e;
  }
  return "";
};
const withCheck = (check: string) => `umlab: 1\nname: x\nnodes:\n  h1: {}\nchecks:\n  - ${check}\n`;

describe("checks in the lab file", () => {
  it("are read with their defaults and written back as they were", () => {
    const lab = parseLabYaml(LAB);
    assert.equal(lab.checks.length, 10);
    assert.deepEqual(lab.checks[0], { id: "h1-reaches-r1", description: "h1 reaches 10.0.1.1", points: 2, hint: "give h1 an address in 10.0.1.0/24", wait: 5, hidden: false, test: { kind: "reach", node: "h1", to: "10.0.1.1", count: 3, reachable: true } });
    assert.equal(lab.checks[2].hidden, true);
    assert.deepEqual(lab.checks[8].test, { kind: "command", node: "r1", argv: null, script: "vtysh -c 'show running-config'\ntrue\n", exit: null, stdout: null, pattern: "router-id 1\\.1\\.1\\.1", timeout: 10 });
    const yaml = serializeLabYaml(lab);
    assert.deepEqual(parseLabYaml(yaml), lab);
    assert.match(yaml, /checks:\n {2}- id: h1-reaches-r1\n/);
    assert.match(yaml, /reach: \{ node: h1, to: 10\.0\.1\.1 \}/);
    assert.match(yaml, /script: \|/, "a script stays a block");
    assert.deepEqual(resolveLab(JSON.parse(JSON.stringify(toRawLab(lab)))), lab, "and through JSON");
  });

  it("refuse what would not run, each at its line", () => {
    assert.match(problems(withCheck("{ id: a, reach: { node: h2, to: 10.0.0.1 } }")), /lab\.yaml:6:\d+: checks\[0\]\.reach\.node: "h2" is not a node of this lab/);
    assert.match(problems(withCheck("{ id: a b, daemon: { node: h1, name: x } }")), /checks\[0\]\.id: "a b" is not a check id/);
    assert.match(problems(withCheck("{ id: a, daemon: { node: h1, name: x }, reach: { node: h1, to: h2 } }")), /a check has one test, not reach and daemon/);
    assert.match(problems(withCheck("{ id: a }")), /a check needs a test: one of reach, route/);
    assert.match(problems(withCheck("{ id: a, reach: { node: h1, to: -f } }")), /"-f" is not an address or a host name/);
    assert.match(problems(withCheck("{ id: a, route: { node: h1, to: 10.0.0.0/33 } }")), /is not a prefix/);
    assert.match(problems(withCheck("{ id: a, address: { node: h1, interface: eth0, address: 10.0.0.1 } }")), /not an address with its prefix length/);
    assert.match(problems(withCheck("{ id: a, ospf: { node: h1, neighbor: 2.2.2.2, state: Up } }")), /"Up" is not an OSPF neighbour state/);
    assert.match(problems(withCheck("{ id: a, daemon: { node: h1, name: -x } }")), /"-x" is not a process name/);
    assert.match(problems(withCheck("{ id: a, file: { node: h1, path: etc/motd, content: x } }")), /not an absolute path/);
    assert.match(problems(withCheck("{ id: a, file: { node: h1, path: /etc/motd } }")), /content \(the exact text\) or a pattern/);
    assert.match(problems(withCheck('{ id: a, file: { node: h1, path: /x, pattern: "(" } }')), /checks\[0\]\.file\.pattern: not a regular expression/);
    assert.match(problems(withCheck(`{ id: a, file: { node: h1, path: /x, pattern: "${"a".repeat(600)}" } }`)), /at most 512 characters/);
    assert.match(problems(withCheck("{ id: a, command: { node: h1, argv: [a], script: b } }")), /an argv or a script, one of them/);
    assert.match(problems(withCheck("{ id: a, points: -1, command: { node: h1, argv: [a] } }")), /checks\[0\]\.points/);
    assert.match(problems(withCheck("{ id: a, daemon: { node: h1, name: x } }\n  - { id: a, daemon: { node: h1, name: y } }")), /checks\[1\]\.id: "a" is the id of another check/);
  });

  it("follow a node renamed on the canvas", () => {
    const doc = toDoc(toRawLab(parseLabYaml(LAB)));
    renameElement(doc, "h1", "pc1");
    const lab = resolveLab(toRaw(doc));
    assert.deepEqual([...new Set(lab.checks.map((c) => c.test.node))].sort(), ["pc1", "r1"]);
    assert.deepEqual(renameInChecks([{ id: "a", reach: { node: "x", to: "y" } }], "z", "w"), [{ id: "a", reach: { node: "x", to: "y" } }]);
  });
});

describe("addresses and prefixes", () => {
  it("are put in one form", () => {
    assert.equal(prefixText(parsePrefix("10.0.3.7/24")!), "10.0.3.0/24");
    assert.equal(prefixText(parsePrefix("10.0.3.7")!), "10.0.3.7/32");
    assert.equal(prefixText(parsePrefix("default")!), "0.0.0.0/0");
    assert.equal(prefixText(parsePrefix("2001:DB8:0:0:1::5/64")!), "2001:db8::/64");
    assert.equal(prefixText(parsePrefix("::ffff:10.0.0.1/128")!), "::ffff:a00:1/128");
    assert.equal(parsePrefix("10.0.0.0/33"), null);
    assert.equal(parsePrefix("1:2:3:4:5:6:7:8:9/64"), null);
    assert.deepEqual(parseInterfaceAddress("fe80::0:1/64"), { address: "fe80::1", length: 64, family: 6 });
  });
});
