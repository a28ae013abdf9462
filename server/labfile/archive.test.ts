import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { zipSync } from "fflate";
import { pack } from "tar-stream";
import { ArchiveError, MAX_LAB_BYTES, MAX_LAB_FILES, archiveKind, readArchive, readFolder, writeTarGz, writeZip } from "./archive";

const LAB = { "lab.conf": "r1[0]=A\n", "r1.startup": "ip link set eth0 up\n", "r1/etc/frr/frr.conf": "router rip\n", "shared/x": new Uint8Array([0, 1, 2, 255]) };
const text = (files: Record<string, Buffer>) => Object.fromEntries(Object.entries(files).map(([p, b]) => [p, [...b]]));
const expected = (top: string) => Object.fromEntries(Object.entries(LAB).map(([p, v]) => [`${top}/${p}`, [...Buffer.from(v)]]));

/** A raw tar with any header, to build the archives a well-behaved writer never makes. */
async function tarOf(entries: { name: string; type?: "file" | "symlink" | "directory"; linkname?: string; body?: string }[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of p) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    if (e.type && e.type !== "file") p.entry({ name: e.name, type: e.type, linkname: e.linkname });
    else p.entry({ name: e.name }, e.body ?? "");
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

const refuses = async (bytes: Uint8Array, message: RegExp) =>
  assert.rejects(readArchive(bytes), (e: Error) => e instanceof ArchiveError && message.test(e.message));

describe("lab archives", () => {
  it("writes and reads back a .tar.gz and a .zip under one top folder, binary files intact", async () => {
    const tgz = await writeTarGz(LAB, "mylab");
    assert.equal(archiveKind(tgz), "tar.gz");
    const fromTar = await readArchive(tgz);
    assert.deepEqual(text(fromTar.files), expected("mylab"));
    assert.deepEqual(fromTar.skipped, []);
    const zip = writeZip(LAB, "other");
    assert.equal(archiveKind(zip), "zip");
    assert.deepEqual(text((await readArchive(zip)).files), expected("other"));
    assert.equal(archiveKind(Buffer.from("umlab: 1\n")), null);
    await refuses(Buffer.from("umlab: 1\n"), /not a \.zip, \.tar\.gz or \.tar/);
  });

  it("reads a plain tar, skips links (saying so) and refuses paths that leave the folder", async () => {
    const tar = await tarOf([{ name: "lab/", type: "directory" }, { name: "lab/lab.conf", body: "r1[0]=A\n" }, { name: "lab/r1/etc/passwd", type: "symlink", linkname: "/etc/passwd" }]);
    assert.equal(archiveKind(tar), "tar");
    const read = await readArchive(tar);
    assert.deepEqual(Object.keys(read.files), ["lab/lab.conf"]);
    assert.match(read.skipped[0], /lab\/r1\/etc\/passwd is a link/);
    await refuses(gzipSync(await tarOf([{ name: "lab/../../evil", body: "x" }])), /would leave the lab folder/);
    await refuses(gzipSync(await tarOf([{ name: "/etc/cron.d/x", body: "x" }])), /absolute path/);
    await refuses(zipSync({ "../evil": new Uint8Array([1]) }), /would leave the lab folder/);
  });

  it("stops a zip bomb and a flood of files before unpacking them", async () => {
    const big = new Uint8Array(MAX_LAB_BYTES + 1);
    await refuses(zipSync({ "lab/big": big }, { level: 9 }), /more than 64 MiB/);
    await refuses(gzipSync(await tarOf([{ name: "lab/big", body: "x".repeat(MAX_LAB_BYTES + 1) }]), { level: 9 }), /more than 64 MiB/);
    await refuses(gzipSync(new Uint8Array(MAX_LAB_BYTES + 8 * 1024 * 1024), { level: 9 }), /unpacks to more than 64 MiB/);
    const many = Object.fromEntries(Array.from({ length: MAX_LAB_FILES + 1 }, (_, i) => [`lab/f${i}`, new Uint8Array(0)]));
    await refuses(zipSync(many), /more than 4000 files/);
    await refuses(Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]), /not a valid \.tar\.gz/);
  });

  it("reads a folder on disk, skipping links", () => {
    const dir = mkdtempSync(join(tmpdir(), "umlab-archive-"));
    try {
      mkdirSync(join(dir, "r1", "etc"), { recursive: true });
      writeFileSync(join(dir, "lab.conf"), "r1[0]=A\n");
      writeFileSync(join(dir, "r1", "etc", "motd"), "hi\n");
      symlinkSync("/etc/passwd", join(dir, "r1", "etc", "passwd"));
      const read = readFolder(dir);
      assert.deepEqual(Object.keys(read.files).sort(), ["lab.conf", "r1/etc/motd"]);
      assert.match(read.skipped[0], /r1\/etc\/passwd is a link/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
