import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { LabFileError, parseLabYaml, serializeLabYaml } from "./labyaml";

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "fixtures", name), "utf8");

function problemsOf(name: string) {
  try {
    parseLabYaml(fixture(name), name);
  } catch (e) {
    assert.ok(e instanceof LabFileError, `expected a LabFileError, got ${e}`);
    return e.problems;
  }
  assert.fail(`${name} loaded without error`);
}

describe("lab.yaml", () => {
  it("loads a lab with switches, a hub, defaults and both interface forms", () => {
    const lab = parseLabYaml(fixture("three-nodes.yaml"));
    assert.equal(lab.name, "three-nodes");
    assert.deepEqual(lab.switches, [
      { name: "sw1", kind: "vde", mode: "switch", tap: null, pos: null },
      { name: "hub1", kind: "vde", mode: "hub", tap: null, pos: null },
    ]);
    const [n1, n2, n3] = lab.nodes;
    assert.equal(n1.image, "busybox");
    assert.equal(n1.memoryMiB, 64);
    assert.deepEqual(n1.interfaces, [{ index: 0, switch: "sw1" }]);
    assert.match(n1.startup, /ip addr add 10\.0\.1\.1\/24/);
    assert.equal(n2.memoryMiB, 96);
    assert.deepEqual(n2.interfaces.map((i) => i.switch), ["sw1", "hub1"]);
    assert.deepEqual(n3.interfaces, [{ index: 0, switch: "hub1" }]);
    assert.deepEqual(n3.files, { "/etc/motd": "welcome to node03\n" });
  });

  it("round-trips: serialize then parse gives the same lab", () => {
    const lab = parseLabYaml(fixture("three-nodes.yaml"));
    const text = serializeLabYaml(lab);
    assert.match(text, /^umlab: 1\n/);
    assert.match(text, /hub1: \{ mode: hub \}/);
    assert.deepEqual(parseLabYaml(text), lab);
    assert.equal(serializeLabYaml(parseLabYaml(text)), text);
  });

  const cases: [string, number, RegExp][] = [
    ["bad-memory.yaml", 6, /memory must be positive/],
    ["unknown-switch.yaml", 5, /eth1 is plugged into "sw9", which is not a switch/],
    ["duplicate-node.yaml", 5, /unique|duplicate/i],
    ["interface-gap.yaml", 7, /interface gap: eth2 is defined but eth1 is not/],
    ["bad-name.yaml", 4, /"Node_1" is not a valid name/],
    ["unknown-field.yaml", 4, /memory/],
    ["no-version.yaml", 1, /missing format version/],
    ["future-version.yaml", 1, /unsupported format version 99/],
    ["syntax-error.yaml", 5, /must be sufficiently indented and end with a \]/],
    ["name-clash.yaml", 4, /already the name of a switch/],
    ["bad-scenario.yaml", 9, /"nosuch" is not a node of this lab/],
  ];
  for (const [file, line, message] of cases) {
    it(`reports ${file} at line ${line}`, () => {
      const problems = problemsOf(file);
      assert.ok(
        problems.some((p) => p.line === line && message.test(p.message)),
        `no problem at line ${line} matching ${message}: ${JSON.stringify(problems)}`,
      );
    });
  }

  it("names the file and line in the error message", () => {
    assert.throws(() => parseLabYaml(fixture("bad-memory.yaml"), "labs/bad.yaml"), /^LabFileError: labs\/bad\.yaml:6:\d+: nodes\.node01\.mem: /);
  });
});
