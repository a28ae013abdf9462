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
});
