import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RawLab } from "@/server/model/lab";
import { resolveLab } from "@/server/model/lab";
import { addCable, removeCable, removeElement, renameElement, toDoc, toRaw } from "./doc";

const LAB: RawLab = {
  name: "ring",
  shared: { startup: "echo shared", files: { "/etc/frr/daemons": "ospfd=yes\n" } },
  nodes: { a: { eth: ["s1"] }, b: { eth: ["s1"], after: ["a"] }, c: { after: ["a", "b"] } },
  switches: { s1: {} },
};

describe("the canvas document", () => {
  it("keeps what the canvas does not edit: the lab's shared script and files, start order", () => {
    const raw = toRaw(toDoc(LAB));
    assert.deepEqual(raw.shared, LAB.shared);
    assert.deepEqual(raw.nodes?.c?.after, ["a", "b"]);
  });

  it("renames a node in the start order of the others, and drops a removed node from it", () => {
    const doc = toDoc(LAB);
    renameElement(doc, "a", "first");
    assert.deepEqual([doc.nodes.b.after, doc.nodes.c.after], [["first"], ["first", "b"]]);
    removeElement(doc, "first");
    assert.equal(doc.nodes.b.after, undefined);
    assert.deepEqual(doc.nodes.c.after, ["b"]);
  });

  it("joins two nodes with a serial cable on each one's first free line, renames its ends, and drops it with a node", () => {
    const doc = toDoc(LAB);
    assert.deepEqual(addCable(doc, "a", "b"), ["a.ttyS2", "b.ttyS2"]);
    assert.deepEqual(addCable(doc, "a", "c"), ["a.ttyS3", "c.ttyS2"]);
    assert.deepEqual(resolveLab(toRaw(doc)).cables.length, 2);
    for (let i = 0; i < 2; i++) addCable(doc, "a", "c");
    assert.equal(addCable(doc, "a", "b"), null, "a has a cable on every line");
    renameElement(doc, "b", "bee");
    assert.deepEqual(doc.cables?.[0], ["a.ttyS2", "bee.ttyS2"]);
    removeElement(doc, "c");
    assert.deepEqual(doc.cables, [["a.ttyS2", "bee.ttyS2"]]);
    removeCable(doc, "bee.ttyS2");
    assert.equal(doc.cables, undefined);
    assert.doesNotThrow(() => resolveLab(toRaw(doc)));
  });
});
