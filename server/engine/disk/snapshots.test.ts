import assert from "node:assert/strict";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { labPaths, type LabPaths } from "../paths";
import { LabSnapshots } from "./snapshots";

/** A sparse "COW": 256 MiB apparent, 1 MiB written at 100 MiB. */
function fakeCow(p: LabPaths, node: string, text: string): void {
  mkdirSync(p.disks, { recursive: true });
  const fd = openSync(join(p.disks, `${node}.cow`), "w");
  writeSync(fd, Buffer.alloc(1024 * 1024, text), 0, 1024 * 1024, 100 * 1024 * 1024);
  writeSync(fd, Buffer.alloc(1), 0, 1, 256 * 1024 * 1024 - 1);
  closeSync(fd);
  writeFileSync(join(p.disks, `${node}.backing`), "/images/busybox.img\n");
}
const content = (p: LabPaths, node: string) => {
  const f = join(p.disks, `${node}.cow`);
  if (!existsSync(f)) return null;
  const fd = openSync(f, "r");
  const b = Buffer.alloc(5);
  readSync(fd, b, 0, 5, 100 * 1024 * 1024);
  closeSync(fd);
  return b.toString();
};
const noFreeze = async () => async () => {};

describe("a lab's snapshots (files only)", () => {
  let root: string;
  let p: LabPaths;
  let snaps: LabSnapshots;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "umlab-snaps-"));
    p = labPaths(root, "lab1");
    snaps = new LabSnapshots(p);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("copies COWs sparse, with their records, and lists what it took", async () => {
    fakeCow(p, "pc1", "aaaaa");
    const froze: string[][] = [];
    const s = await snaps.take({ name: "one", node: null, nodes: ["pc1", "pc2"], definition: "umlab: 1\n" }, async (n) => (froze.push(n), async () => {}));
    assert.deepEqual(s.disks, ["pc1"], "pc2 has no disk yet");
    assert.deepEqual(froze, [["pc1"]]);
    assert.ok(s.apparentBytes > 256 * 1024 * 1024);
    assert.ok(s.diskBytes < 4 * 1024 * 1024, `${s.diskBytes} bytes on disk`);
    const copy = join(p.dir, "snapshots", s.id, "disks", "pc1.cow");
    assert.ok(statSync(copy).blocks * 512 < 4 * 1024 * 1024);
    assert.equal(readFileSync(join(p.dir, "snapshots", s.id, "disks", "pc1.backing"), "utf8"), "/images/busybox.img\n");
    assert.deepEqual(snaps.list().map((x) => x.name), ["one"]);
  });

  it("puts disks back: the whole lab (a node added since starts clean) or one node", async () => {
    fakeCow(p, "pc1", "aaaaa");
    fakeCow(p, "pc2", "bbbbb");
    const s = await snaps.take({ name: "one", node: null, nodes: ["pc1", "pc2"], definition: "def-1" }, noFreeze);
    fakeCow(p, "pc1", "AAAAA");
    fakeCow(p, "pc2", "BBBBB");
    fakeCow(p, "pc3", "CCCCC");
    assert.deepEqual(await snaps.restore(s.id, "pc2"), { definition: "def-1", nodes: ["pc2"] });
    assert.deepEqual([content(p, "pc1"), content(p, "pc2"), content(p, "pc3")], ["AAAAA", "bbbbb", "CCCCC"]);
    const back = await snaps.restore(s.id, null);
    assert.deepEqual(back.nodes.sort(), ["pc1", "pc2", "pc3"]);
    assert.deepEqual([content(p, "pc1"), content(p, "pc2"), content(p, "pc3")], ["aaaaa", "bbbbb", null]);
  });

  it("resumes the guests it froze even when the copy fails, and leaves no half snapshot", async () => {
    fakeCow(p, "pc1", "aaaaa");
    rmSync(join(p.disks, "pc1.backing"));
    writeFileSync(join(p.disks, "pc1.backing"), "x");
    rmSync(join(p.disks, "pc1.cow"));
    mkdirSync(join(p.disks, "pc1.cow"));
    let resumed = false;
    await assert.rejects(
      snaps.take({ name: "bad", node: null, nodes: ["pc1"], definition: "" }, async () => async () => void (resumed = true)),
      /cannot copy a disk/,
    );
    assert.ok(resumed);
    assert.deepEqual(snaps.list(), []);
  });

  it("refuses a name twice, a bad name, an unknown or hostile id, and a node another snapshot holds", async () => {
    fakeCow(p, "pc1", "aaaaa");
    const s = await snaps.take({ name: "one", node: "pc1", nodes: ["pc1"], definition: "" }, noFreeze);
    await assert.rejects(snaps.take({ name: "one", node: null, nodes: [], definition: "" }, noFreeze), { name: "ConflictError" });
    await assert.rejects(snaps.take({ name: " ", node: null, nodes: [], definition: "" }, noFreeze), { name: "ZodError" });
    await assert.rejects(snaps.take({ name: "a\nb", node: null, nodes: [], definition: "" }, noFreeze), { name: "ZodError" });
    for (const id of ["s00000000000", "../../etc", `${s.id}/..`, ""]) await assert.rejects(snaps.restore(id, null), { name: "NotFoundError" }, id);
    assert.throws(() => snaps.remove("../lab2"), { name: "NotFoundError" });
    await assert.rejects(snaps.restore(s.id, "pc2"), { name: "BadRequestError" });
  });

  it("does not offer a damaged snapshot", async () => {
    fakeCow(p, "pc1", "aaaaa");
    const s = await snaps.take({ name: "one", node: null, nodes: ["pc1"], definition: "" }, noFreeze);
    writeFileSync(join(p.dir, "snapshots", s.id, "snapshot.json"), "{ not json");
    assert.deepEqual(snaps.list(), []);
    await assert.rejects(snaps.restore(s.id, null), { name: "NotFoundError" });
  });
});
