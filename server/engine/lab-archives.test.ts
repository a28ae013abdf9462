import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parseLabYaml, serializeLabYaml } from "../labfile/labyaml";
import { ImageService } from "./build/image-service";
import { craftedArchive } from "./disk/crafted-archive";
import type { Engine } from "./engine";
import { mergedDir } from "./image/merged";
import type { LabDisks } from "./lab-disks";
import { LabArchives, sweepTransfers } from "./lab-archives";
import { labPaths, transferDir } from "./paths";

describe("the transfer folder", () => {
  it("loses what transfers an hour old left, and keeps newer ones and files not its own", () => {
    const root = mkdtempSync(join(tmpdir(), "umlab-transfer-"));
    try {
      const dir = transferDir(root);
      mkdirSync(join(dir, `${"a".repeat(32)}.d`), { recursive: true });
      for (const f of [`${"a".repeat(32)}.umlab`, `${"b".repeat(32)}.umlab`, "notes.txt"]) writeFileSync(join(dir, f), "x");
      const old = (Date.now() - 2 * 3600_000) / 1000;
      for (const f of [`${"a".repeat(32)}.umlab`, `${"a".repeat(32)}.d`, "notes.txt"]) utimesSync(join(dir, f), old, old);
      assert.deepEqual(sweepTransfers(root).sort(), [`${"a".repeat(32)}.d`, `${"a".repeat(32)}.umlab`]);
      assert.deepEqual(readdirSync(dir).sort(), [`${"b".repeat(32)}.umlab`, "notes.txt"]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

const MiB = 1024 * 1024;
const LAB = "umlab: 1\nname: carry\nnodes:\n  pc1:\n    image: base\n  pc2:\n    image: base\n";

/** A root with a merged image "base" (40 MiB, some of it written with `fill`); answers its file. */
function rootWithBase(root: string, fill: string): string {
  mkdirSync(mergedDir(root), { recursive: true });
  const file = join(mergedDir(root), "base.img");
  const fd = openSync(file, "w");
  writeSync(fd, Buffer.alloc(2 * MiB, fill), 0, 2 * MiB, 10 * MiB);
  writeSync(fd, Buffer.alloc(1), 0, 1, 40 * MiB - 1);
  closeSync(fd);
  writeFileSync(join(mergedDir(root), "base.json"), JSON.stringify({ name: "base", parent: "busybox", from: { lab: "x", node: "y" }, createdAt: "2026-11-30T00:00:00Z", memoryMiB: 48 }));
  return file;
}

/** Just what LabArchives asks of the engine and of the lab's disks: a root, one lab at a time, nothing running. */
function archivesAt(root: string): LabArchives {
  const engine = { root, withLab: <T>(_id: string, work: () => Promise<T>) => work(), run: () => undefined } as unknown as Engine;
  const disks = { freeze: () => Promise.resolve(() => Promise.resolve()) } as unknown as LabDisks;
  return new LabArchives(engine, disks, new ImageService(root));
}

const cowHeaderPath = (cow: string) => {
  const b = Buffer.alloc(4096);
  const fd = openSync(cow, "r");
  readSync(fd, b, 0, b.length, 32);
  closeSync(fd);
  return b.toString().replace(/\0.*$/s, "");
};

describe("whole-lab archives with the images they boot", () => {
  const top = mkdtempSync(join(tmpdir(), "umlab-carry-"));
  after(() => rmSync(top, { recursive: true, force: true }));
  const [a, b, c] = ["a", "b", "c"].map((r) => join(top, r));
  const lab = parseLabYaml(LAB);
  const upload = (root: string, archive: string, token: string) => {
    mkdirSync(transferDir(root), { recursive: true });
    copyFileSync(archive, join(transferDir(root), `${token}.umlab`));
  };
  let archive = "";

  it("exports a lab with its merged image, the one under pc1's disk and pc2's (no disk yet), once", async () => {
    const image = rootWithBase(a, "A");
    const disks = labPaths(a, "carry").disks;
    mkdirSync(disks, { recursive: true });
    const fd = openSync(join(disks, "pc1.cow"), "w");
    const head = Buffer.alloc(32 + 4096);
    head.writeUInt32BE(0x4f4f4f4d, 0);
    head.writeUInt32BE(3, 4);
    head.write(image, 32);
    writeSync(fd, head, 0, head.length, 0);
    writeSync(fd, Buffer.from("pc1 was here"), 0, 12, 5 * MiB);
    closeSync(fd);
    writeFileSync(join(disks, "pc1.backing"), `${image}\n`);
    const plain = await archivesAt(a).exportLab("carry", lab, "1".repeat(32));
    const summary = await archivesAt(a).exportLab("carry", lab, "2".repeat(32), true);
    assert.deepEqual(plain.images, []);
    assert.deepEqual(summary.images, [{ name: "base", bytes: 2 * MiB }]);
    assert.ok(summary.bytes > plain.bytes && summary.bytes < plain.bytes + 64 * 1024, `${summary.bytes} bytes with the image (2 MiB of one byte), ${plain.bytes} without`);
    archive = join(top, "carry.umlab");
    copyFileSync(summary.file, archive);
  });

  it("installs the image on a umlab without it, as a listed image under the disk, sparse", async () => {
    mkdirSync(b);
    const box = archivesAt(b);
    upload(b, archive, "3".repeat(32));
    const got = await box.unpack("3".repeat(32));
    assert.deepEqual(got.images, [{ name: "base", as: "base", reused: false, bytes: 2 * MiB }]);
    assert.deepEqual(got.disks, ["pc1"]);
    assert.equal(got.definition, serializeLabYaml(lab), "the names are the same here: the lab.yaml as it came");
    assert.equal(existsSync(mergedDir(b)), false, "nothing installed before the lab is made");
    await box.adopt("3".repeat(32), "carry", parseLabYaml(got.definition));
    const file = join(mergedDir(b), "base.img");
    assert.deepEqual(readFileSync(file), readFileSync(join(mergedDir(a), "base.img")));
    assert.ok(statSync(file).blocks * 512 <= 3 * MiB, "sparse");
    assert.equal(statSync(file).mode & 0o777, 0o644, "readable by the guests' sandbox user");
    assert.equal(readFileSync(join(labPaths(b, "carry").disks, "pc1.backing"), "utf8"), `${file}\n`);
    assert.equal(cowHeaderPath(join(labPaths(b, "carry").disks, "pc1.cow")), file);
    const listed = new ImageService(b).list().find((i) => i.name === "base");
    assert.deepEqual([listed?.ready, listed?.memoryMiB, listed?.merged?.parent, listed?.description], [true, 48, "busybox", "came in lab carry's archive, over busybox"]);
    assert.deepEqual(readdirSync(transferDir(b)), []);
  });

  it("reuses an image it has (the same SHA-256), writing none", async () => {
    const box = archivesAt(b);
    upload(b, archive, "4".repeat(32));
    const got = await box.unpack("4".repeat(32));
    assert.deepEqual(got.images, [{ name: "base", as: "base", reused: true, bytes: 2 * MiB }]);
    assert.deepEqual(readdirSync(join(transferDir(b), `${"4".repeat(32)}.d`)).sort(), ["images.json", "manifest.json", "pc1.cow"]);
    box.drop("4".repeat(32));
  });

  it("installs it under a new name where its name is another image's, and the lab's nodes follow", async () => {
    const theirs = rootWithBase(c, "C");
    const sha = createHash("sha256").update(readFileSync(theirs)).digest("hex");
    const box = archivesAt(c);
    upload(c, archive, "5".repeat(32));
    const got = await box.unpack("5".repeat(32));
    assert.deepEqual(got.images, [{ name: "base", as: "base-2", reused: false, bytes: 2 * MiB }]);
    const moved = parseLabYaml(got.definition);
    assert.deepEqual(moved.nodes.map((n) => [n.name, n.image]), [["pc1", "base-2"], ["pc2", "base-2"]]);
    await box.adopt("5".repeat(32), "carry", moved);
    assert.equal(readFileSync(join(labPaths(c, "carry").disks, "pc1.backing"), "utf8"), `${join(mergedDir(c), "base-2.img")}\n`);
    assert.equal(createHash("sha256").update(readFileSync(theirs)).digest("hex"), sha, "the image that had the name is untouched");
  });

  it("refuses a forged image and keeps nothing of it", async () => {
    const before = readdirSync(mergedDir(c)).sort();
    const manifest = { format: "umlab-lab-archive", version: 2, lab: "evil", createdAt: "2026-11-30T00:00:00Z", images: [{ name: "evil", size: 4096, sha256: "d".repeat(64), dataBytes: 4, memoryMiB: 64, parent: null, nodes: ["pc1"] }], disks: [] };
    const forged = join(top, "forged.umlab");
    writeFileSync(forged, await craftedArchive([{ name: "archive.json", data: JSON.stringify(manifest) }, { name: "lab.yaml", data: LAB }, { name: "images/evil.map", data: "[[0,4]]" }, { name: "images/evil.data", data: "EVIL" }]));
    const box = archivesAt(c);
    upload(c, forged, "6".repeat(32));
    await assert.rejects(box.unpack("6".repeat(32)), /image evil is not the one archive\.json names/);
    box.drop("6".repeat(32));
    assert.deepEqual(readdirSync(transferDir(c)), []);
    assert.deepEqual(readdirSync(mergedDir(c)).sort(), before);
  });
});
