import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LabDefinitionError } from "./errors";
import { resolveLab, toRawLab } from "./lab";
import { labChanges } from "./changes";
import { diskUsers, slotDevice } from "./disk";

const problems = (raw: unknown) => {
  try {
    resolveLab(raw);
    return [];
  } catch (e) {
    if (!(e instanceof LabDefinitionError)) throw e;
    return e.problems.map((p) => `${p.path.join(".")}: ${p.message}`);
  }
};

describe("a lab's disks", () => {
  it("are read with their defaults, attached to the nodes that list them, and written back the same", () => {
    const lab = resolveLab({ name: "d", disks: { shared: { size: "1G", format: "ext4" }, blank: null }, nodes: { one: { disks: ["shared", "blank"] }, two: { disks: ["shared"] } } });
    assert.deepEqual(lab.disks, [
      { name: "shared", sizeMiB: 1024, format: "ext4", pos: null },
      { name: "blank", sizeMiB: 256, format: "none", pos: null },
    ]);
    assert.deepEqual(diskUsers(lab.nodes, "shared"), ["one", "two"]);
    assert.deepEqual(toRawLab(lab).disks, { shared: { size: "1G", format: "ext4" }, blank: {} });
    assert.deepEqual(resolveLab(toRawLab(lab)), lab);
    assert.equal(slotDevice(3), "/dev/ubdd");
  });

  it("refuses unknown disks, clashing names, absurd sizes and too many disks on a node, each at its place", () => {
    assert.deepEqual(problems({ name: "d", nodes: { one: { disks: ["nope"] } } }), ['nodes.one.disks.0: "nope" is not a disk of this lab (lab-level disks: none)']);
    assert.deepEqual(problems({ name: "d", nodes: { one: {} }, disks: { one: {} } }), ['disks.one: "one" is already the name of a node']);
    assert.match(problems({ name: "d", disks: { big: { size: "64G" } } })[0], /^disks\.big\.size: a disk's size must be between 1M and 16G, not 64G/);
    assert.match(problems({ name: "d", disks: { odd: { size: "lots" } } })[0], /^disks\.odd\.size: "lots" is not a disk size/);
    assert.match(problems({ name: "d", disks: { Bad_Name: {} } })[0], /^disks\.Bad_Name:/);
    const nine = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`d${i}`, {}]));
    assert.deepEqual(problems({ name: "d", disks: nine, nodes: { one: { disks: Object.keys(nine) } } }), ["nodes.one.disks: a node boots with at most 8 disks, not 9"]);
  });

  it("changes: a node's disks restart that node; a disk's own change restarts nothing", () => {
    const a = resolveLab({ name: "d", disks: { x: {} }, nodes: { one: {} } });
    const b = resolveLab({ name: "d", disks: { x: { size: "1G" }, y: {} }, nodes: { one: { disks: ["x"] } } });
    assert.deepEqual(
      labChanges(a, b).map((c) => [c.kind, c.name, c.what, c.apply]),
      [
        ["disk", "x", "size 256M → 1G (an existing disk keeps its size until it is reset)", "none"],
        ["disk", "y", "added", "none"],
        ["node", "one", "disks: x", "restart-node"],
      ],
    );
  });
});
