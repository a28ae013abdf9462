import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RawLab } from "@/server/model/lab";
import { resolveLab } from "@/server/model/lab";
import { addCable, attachDisk, bootDevice, detachDisk, diskSize, diskUsers, removeCable, removeElement, renameElement, toDoc, toRaw } from "./doc";

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

  it("attaches a disk to nodes in order (a shared one to two), renames it in their lists, and drops it from them when it goes", () => {
    const doc = toDoc({ ...LAB, disks: { data: { size: "1G", format: "ext4" }, logs: {} } });
    assert.equal(attachDisk(doc, "a", "logs"), true);
    assert.equal(attachDisk(doc, "a", "data"), true);
    assert.equal(attachDisk(doc, "b", "data"), true);
    assert.equal(attachDisk(doc, "b", "data"), false, "a node lists a disk once");
    assert.equal(attachDisk(doc, "b", "nope"), false, "only the lab's disks");
    assert.deepEqual(diskUsers(doc, "data"), ["a", "b"]);
    assert.deepEqual([bootDevice(doc, "a", "logs"), bootDevice(doc, "a", "data"), bootDevice(doc, "c", "data")], ["/dev/ubdd", "/dev/ubde", null]);
    assert.deepEqual([diskSize(doc.disks!.data), diskSize(doc.disks!.logs)], ["1G", "256M"]);
    renameElement(doc, "data", "shared");
    assert.deepEqual([doc.nodes.a.disks, doc.nodes.b.disks], [["logs", "shared"], ["shared"]]);
    assert.deepEqual(Object.keys(doc.disks!), ["shared", "logs"], "the renamed disk keeps its place");
    assert.deepEqual(resolveLab(toRaw(doc)).disks.map((d) => [d.name, d.sizeMiB, d.format]), [["shared", 1024, "ext4"], ["logs", 256, "none"]]);
    detachDisk(doc, "b", "shared");
    assert.equal(doc.nodes.b.disks, undefined);
    removeElement(doc, "shared");
    assert.deepEqual(doc.nodes.a.disks, ["logs"]);
    removeElement(doc, "logs");
    assert.equal(doc.disks, undefined);
    assert.equal(doc.nodes.a.disks, undefined);
    assert.doesNotThrow(() => resolveLab(toRaw(doc)));
  });
});
