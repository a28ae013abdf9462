import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { closeSync, createReadStream, createWriteStream, existsSync, mkdtempSync, readdirSync, openSync, readFileSync, readSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { afterEach, beforeEach, describe, it } from "node:test";
import { craftedArchive } from "./crafted-archive";
import { rebaseCow, readLabArchive, writeLabArchive, type ArchiveManifest } from "./lab-archive";
import { writtenRanges } from "./sparse-file";

const MiB = 1024 * 1024;
const backing = { image: "busybox", size: 128 * MiB, mtime: 1700000000, sha256: "a".repeat(64) };

/** A COW as UML writes one: a v3 header, then blocks here and there of a 256 MiB file. */
function fakeCow(file: string): void {
  const fd = openSync(file, "w");
  const head = Buffer.alloc(32 + 4096);
  head.writeUInt32BE(0x4f4f4f4d, 0);
  head.writeUInt32BE(3, 4);
  head.writeUInt32BE(1700000000, 8);
  head.write("/elsewhere/busybox.img", 32);
  writeSync(fd, head, 0, head.length, 0);
  writeSync(fd, Buffer.alloc(3 * MiB, "x"), 0, 3 * MiB, 50 * MiB);
  writeSync(fd, Buffer.from("tail"), 0, 4, 200 * MiB + 7);
  writeSync(fd, Buffer.alloc(1), 0, 1, 256 * MiB - 1);
  closeSync(fd);
}

const at = (file: string, offset: number, n: number) => {
  const fd = openSync(file, "r");
  const b = Buffer.alloc(n);
  readSync(fd, b, 0, n, offset);
  closeSync(fd);
  return b.toString();
};

const manifest = (disks: ArchiveManifest["disks"]): string => JSON.stringify({ format: "umlab-lab-archive", version: 1, lab: "l", createdAt: "2026-11-30T00:00:00Z", disks });

/** A small image: 40 MiB, a few MiB of it written here and there. */
function fakeImage(file: string, fill = "i"): string {
  const fd = openSync(file, "w");
  writeSync(fd, Buffer.alloc(1024 * 1024, fill), 0, 1024 * 1024, 0);
  writeSync(fd, Buffer.alloc(2 * MiB, "j"), 0, 2 * MiB, 30 * MiB + 5);
  writeSync(fd, Buffer.alloc(1), 0, 1, 40 * MiB - 1);
  closeSync(fd);
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

describe("whole-lab archives", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "umlab-archive-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const unpack = (bytes: Buffer) => readLabArchive(Readable.from([bytes]), join(dir, "out"));

  it("keeps a COW sparse both ways: only its written blocks travel, and come back where they were", async () => {
    const cow = join(dir, "pc1.cow");
    fakeCow(cow);
    assert.deepEqual(
      writtenRanges(cow).map(([o, n]) => [o / 1024, n / 1024]),
      [[0, 64], [50 * 1024, 3 * 1024], [200 * 1024, 64]],
      "the header's block, the written ones; the zero byte at the end is a hole too",
    );
    const file = join(dir, "lab.tar.gz");
    const out = createWriteStream(file);
    await writeLabArchive({ lab: "l", definition: "umlab: 1\nname: l\n", disks: [{ node: "pc1", cow, backing }] }, out);
    await finished(out);
    assert.ok(statSync(file).size < 1 * MiB, `archive ${statSync(file).size} bytes for a 256 MiB COW`);
    const got = await readLabArchive(createReadStream(file), join(dir, "out"));
    assert.deepEqual(got.nodes, ["pc1"]);
    assert.equal(got.definition, "umlab: 1\nname: l\n");
    assert.deepEqual(got.manifest.disks[0].backing, backing);
    const copy = join(dir, "out", "pc1.cow");
    assert.equal(statSync(copy).size, statSync(cow).size);
    assert.ok(statSync(copy).blocks * 512 < 8 * MiB, "written sparse");
    assert.equal(at(copy, 50 * MiB, 3), "xxx");
    assert.equal(at(copy, 200 * MiB + 7, 4), "tail");
    assert.equal(at(copy, 100 * MiB, 2), "\0\0");
    assert.deepEqual(readFileSync(copy).subarray(0, 64), readFileSync(cow).subarray(0, 64));
  });

  it("carries the lab's extra disks (version 3), sparse, beside the COWs; an older version claiming one is refused", async () => {
    const cow = join(dir, "pc1.cow");
    fakeCow(cow);
    const extra = join(dir, "shared.img");
    fakeImage(extra, "s");
    const file = join(dir, "lab.tar.gz");
    const out = createWriteStream(file);
    const m = await writeLabArchive({ lab: "l", definition: "umlab: 1\nname: l\n", disks: [{ node: "pc1", cow, backing }], extra: [{ name: "shared", file: extra }] }, out);
    await finished(out);
    assert.equal(m.version, 3);
    const got = await readLabArchive(createReadStream(file), join(dir, "out"));
    assert.deepEqual([got.nodes, got.extra], [["pc1"], ["shared"]]);
    const copy = join(dir, "out", "extra", "shared.img");
    assert.deepEqual(readFileSync(copy), readFileSync(extra));
    assert.ok(statSync(copy).blocks * 512 < 8 * MiB, "written sparse");
    const old = JSON.stringify({ format: "umlab-lab-archive", version: 2, lab: "l", createdAt: "2026-11-30T00:00:00Z", disks: [], extra: [{ name: "shared", size: 1, dataBytes: 0 }] });
    await assert.rejects(unpack(await craftedArchive([{ name: "archive.json", data: old }])), /a version 2 archive has no extra disks/);
  });

  it("points a COW at this machine's image: its mtime and path in the header", () => {
    const cow = join(dir, "pc1.cow");
    fakeCow(cow);
    const image = join(dir, "busybox.img");
    writeFileSync(image, "");
    utimesSync(image, 1750000000, 1750000000);
    rebaseCow(cow, image);
    const head = Buffer.alloc(32 + 200);
    const fd = openSync(cow, "r");
    readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    assert.equal(head.readUInt32BE(8), 1750000000);
    assert.equal(head.subarray(32).toString().replace(/\0.*$/s, ""), image);
    writeFileSync(join(dir, "not.cow"), "plain");
    assert.throws(() => rebaseCow(join(dir, "not.cow"), image), /not a version 3 UML COW file/);
  });

  it("refuses hostile archives, saying why, and writes nothing outside its folder", async () => {
    const disk = { node: "pc1", backing, size: 1 * MiB, dataBytes: 4 };
    const cases: [string, Promise<Buffer>, RegExp][] = [
      ["not gzip", Promise.resolve(Buffer.from("hello")), /not a umlab lab archive/],
      ["a path out", craftedArchive([{ name: "../../etc/passwd", data: "x" }]), /unexpected entry "..\/..\/etc\/passwd"/],
      ["a link", craftedArchive([{ name: "archive.json", type: "symlink", linkname: "/etc/passwd" }]), /a symlink entry has no place/],
      ["a disk name out", craftedArchive([{ name: "archive.json", data: manifest([{ ...disk, node: "../x" }]) }]), /archive\.json: disks\.0\.node/],
      ["an absurd size", craftedArchive([{ name: "archive.json", data: manifest([{ ...disk, size: 10 * 2 ** 40 }]) }]), /archive\.json: disks\.0\.size/],
      [
        "a sparse-claim bomb",
        craftedArchive([
          { name: "archive.json", data: manifest([{ ...disk, size: 10 * 2 ** 30, dataBytes: 4 }]) },
          { name: "lab.yaml", data: "x" },
          { name: "disks/pc1.map", data: JSON.stringify([[0, 10 * 2 ** 30]]) },
        ]),
        /its ranges hold 10737418240 bytes where archive.json says 4/,
      ],
      [
        "a range past the disk",
        craftedArchive([{ name: "archive.json", data: manifest([disk]) }, { name: "lab.yaml", data: "x" }, { name: "disks/pc1.map", data: JSON.stringify([[MiB - 2, 4]]) }]),
        /past the file's 1048576 bytes/,
      ],
      [
        "more data than said",
        craftedArchive([{ name: "archive.json", data: manifest([disk]) }, { name: "lab.yaml", data: "x" }, { name: "disks/pc1.map", data: "[[0,4]]" }, { name: "disks/pc1.data", data: "12345" }]),
        /5 bytes where archive.json says 4/,
      ],
      [
        "an extra file",
        craftedArchive([{ name: "archive.json", data: manifest([disk]) }, { name: "lab.yaml", data: "x" }, { name: "disks/pc1.map", data: "[[0,4]]" }, { name: "disks/pc1.data", data: "1234" }, { name: "disks/pc2.cow", data: "z" }]),
        /unexpected entry "disks\/pc2.cow"/,
      ],
      ["too many disks", craftedArchive([{ name: "archive.json", data: manifest(Array.from({ length: 201 }, (_, i) => ({ ...disk, node: `n${i}` }))) }]), /archive\.json: disks/],
      ["cut short", craftedArchive([{ name: "archive.json", data: manifest([disk]) }, { name: "lab.yaml", data: "x" }]), /ends early/],
    ];
    for (const [what, bytes, reason] of cases) await assert.rejects(unpack(await bytes), (e: Error) => e.name === "ArchiveError" && reason.test(e.message), what);
    // What it wrote before it found the fault is the disks folder it was given (the caller removes it), and nothing else.
    assert.deepEqual(readdirSync(dir), existsSync(join(dir, "out")) ? ["out"] : []);
    assert.ok(readdirSync(join(dir, "out")).every((f) => /^pc1\.cow$/.test(f)));
  });
  it("carries an image, sparse both ways, its SHA-256 checked; one the reader has already is not written", async () => {
    const cow = join(dir, "pc1.cow");
    fakeCow(cow);
    const image = join(dir, "base-src.img");
    const sha256 = fakeImage(image);
    const file = join(dir, "lab.umlab");
    const out = createWriteStream(file);
    const carried = { name: "base", file: image, sha256, memoryMiB: 96, parent: "busybox", nodes: ["pc1", "pc2"] };
    const written = await writeLabArchive({ lab: "l", definition: "umlab: 1\nname: l\n", disks: [{ node: "pc1", cow, backing: { ...backing, image: "base", size: 40 * MiB, sha256 } }], images: [carried] }, out);
    await finished(out);
    assert.equal(written.version, 2);
    assert.deepEqual(written.images, [{ name: "base", size: 40 * MiB, sha256, dataBytes: 3 * MiB + 64 * 1024, memoryMiB: 96, parent: "busybox", nodes: ["pc1", "pc2"] }]);
    assert.ok(statSync(file).size < 1 * MiB, `archive ${statSync(file).size} bytes for a 40 MiB image and a 256 MiB COW`);
    const got = await readLabArchive(createReadStream(file), join(dir, "out"));
    assert.deepEqual([got.images, got.nodes], [["base"], ["pc1"]]);
    const copy = join(dir, "out", "base.img");
    assert.deepEqual(readFileSync(copy), readFileSync(image));
    assert.ok(statSync(copy).blocks * 512 < 4 * MiB, `the image came back sparse: ${statSync(copy).blocks * 512} bytes`);

    const asked: string[] = [];
    const again = await readLabArchive(createReadStream(file), join(dir, "again"), (i) => (asked.push(i.name), Promise.resolve(true)));
    assert.deepEqual([asked, again.images, again.nodes], [["base"], [], ["pc1"]]);
    assert.deepEqual(readdirSync(join(dir, "again")), ["pc1.cow"], "the image the reader has is not written again");
  });

  it("refuses hostile images: a wrong checksum, an absurd size, a bad name, too many, one cut short", async () => {
    const image = join(dir, "src.img");
    const sha256 = fakeImage(image);
    const good = join(dir, "good.umlab");
    const out = createWriteStream(good);
    await writeLabArchive({ lab: "l", definition: "x", disks: [], images: [{ name: "base", file: image, sha256, memoryMiB: 64, parent: null, nodes: ["pc1"] }] }, out);
    await finished(out);
    const img = { name: "base", size: 4096, sha256: "c".repeat(64), dataBytes: 4, memoryMiB: 64, parent: null, nodes: ["pc1"] };
    const v2 = (images: unknown[]) => JSON.stringify({ format: "umlab-lab-archive", version: 2, lab: "l", createdAt: "2026-11-30T00:00:00Z", images, disks: [] });
    const bytes = readFileSync(good);
    const cases: [string, Promise<Buffer>, RegExp][] = [
      [
        "a wrong checksum",
        craftedArchive([{ name: "archive.json", data: v2([img]) }, { name: "lab.yaml", data: "x" }, { name: "images/base.map", data: "[[0,4]]" }, { name: "images/base.data", data: "EVIL" }]),
        /images\/base\.data: image base is not the one archive\.json names \(its SHA-256 is [0-9a-f]{12}…, not cccccccccccc…\)/,
      ],
      ["an absurd size", craftedArchive([{ name: "archive.json", data: v2([{ ...img, size: 2 ** 50 }]) }]), /archive\.json: images\.0\.size: more than the 16 GiB an image may have/],
      ["a name out", craftedArchive([{ name: "archive.json", data: v2([{ ...img, name: "../../etc" }]) }]), /archive\.json: images\.0\.name: not a valid image name/],
      ["too many", craftedArchive([{ name: "archive.json", data: v2(Array.from({ length: 9 }, (_, i) => ({ ...img, name: `i${i}`, nodes: [] }))) }]), /archive\.json: images: more than the 8 images an archive may carry/],
      ["a name twice", craftedArchive([{ name: "archive.json", data: v2([img, { ...img, nodes: [] }]) }]), /names an image twice/],
      ["a node given two images", craftedArchive([{ name: "archive.json", data: v2([img, { ...img, name: "other" }]) }]), /gives a node two images/],
      ["cut short", Promise.resolve(bytes.subarray(0, Math.floor(bytes.length / 2))), /the archive is cut short \(gzip: unexpected end of file\)/],
      [
        "its data shorter than said",
        craftedArchive([{ name: "archive.json", data: v2([img]) }, { name: "lab.yaml", data: "x" }, { name: "images/base.map", data: "[[0,4]]" }, { name: "images/base.data", data: "EV" }]),
        /images\/base\.data: 2 bytes where archive\.json says 4/,
      ],
    ];
    for (const [what, archive, reason] of cases) {
      await assert.rejects(unpack(await archive), (e: Error) => e.name === "ArchiveError" && reason.test(e.message), `${what}: ${reason}`);
      // What it wrote before it found the fault is in the folder it was given (the caller removes it), and nowhere else.
      assert.deepEqual(readdirSync(dir).sort(), existsSync(join(dir, "out")) ? ["good.umlab", "out", "src.img"] : ["good.umlab", "src.img"], what);
      rmSync(join(dir, "out"), { recursive: true, force: true });
    }
  });
});
