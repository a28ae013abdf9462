import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { numportsFor, SwitchPorts } from "./ports";

describe("switch ports", () => {
  it("hands out the lowest free port from 1, the same one to the same name", () => {
    const p = new SwitchPorts();
    assert.equal(p.allocate("a.eth0"), 1);
    assert.equal(p.allocate("b.eth0"), 2);
    assert.equal(p.allocate("a.eth0"), 1, "a node restarted keeps its port");
    assert.equal(p.get("b.eth0"), 2);
    assert.equal(p.get("c.eth0"), null);
    assert.equal(p.highest, 2);
  });

  it("reuses a released port, lowest first", () => {
    const p = new SwitchPorts();
    for (const n of ["a", "b", "c", "d"]) p.allocate(n);
    p.release("b");
    p.release("c");
    p.release("nobody");
    assert.equal(p.allocate("e"), 2);
    assert.equal(p.allocate("f"), 3);
    assert.equal(p.allocate("g"), 5);
    assert.equal(p.highest, 5);
  });

  it("gives a switch room for twice its ports, at least 32", () => {
    assert.equal(numportsFor(0), 32);
    assert.equal(numportsFor(8), 32);
    assert.equal(numportsFor(10), 36);
    assert.equal(numportsFor(1000), 2016);
  });
});
