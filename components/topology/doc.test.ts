import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RawLab } from "@/server/model/lab";
import { removeElement, renameElement, toDoc, toRaw } from "./doc";

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
});
