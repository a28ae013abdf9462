import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ExtraDisks, lockHolders, parseProcLocks } from "./extra-disks";

describe("extra disk files", () => {
  const dir = mkdtempSync(join(tmpdir(), "umlab-extra-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("makes a disk once however many ask at once: sparse, its size, formatted when asked", async () => {
    const disks = new ExtraDisks(dir);
    const disk = { name: "shared", sizeMiB: 32, format: "ext4" as const, pos: null };
    const [a, b] = await Promise.all([disks.ensure(disk), disks.ensure(disk)]);
    assert.equal(a, b);
    const st = statSync(a);
    assert.equal(st.size, 32 * 2 ** 20);
    assert.ok(st.blocks * 512 < st.size / 4);
    assert.deepEqual(disks.names(), ["shared"]);
    disks.wipe("shared");
    assert.deepEqual(disks.names(), []);
  });

  it("says why a disk cannot be made, and leaves nothing half made", async () => {
    // Its folder cannot be made: a file is in the way.
    writeFileSync(join(dir, "blocked"), "");
    const disks = new ExtraDisks(join(dir, "blocked"));
    await assert.rejects(disks.ensure({ name: "bad", sizeMiB: 1, format: "ext4", pos: null }), /disk bad: cannot make its file: ENOTDIR/);
    assert.deepEqual(disks.names(), []);
  });

  it("reads /proc/locks: POSIX locks by device and inode, waiters and odd lines left out", () => {
    const text = ["1: POSIX  ADVISORY  WRITE 4242 08:01:1234 0 EOF", "1: -> POSIX  ADVISORY  WRITE 77 08:01:1234 0 EOF", "2: FLOCK  ADVISORY  WRITE 99 fd:00:55 0 EOF", "garbage"].join("\n");
    assert.deepEqual(parseProcLocks(text), [
      { pid: 4242, major: 8, minor: 1, inode: 1234 },
      { pid: 99, major: 0xfd, minor: 0, inode: 55 },
    ]);
    const file = join(dir, "held.img");
    rmSync(file, { force: true });
    writeFileSync(file, "x");
    const st = statSync(file);
    const dev = `${((st.dev >>> 8) & 0xfff).toString(16).padStart(2, "0")}:${(st.dev & 0xff).toString(16).padStart(2, "0")}`;
    assert.deepEqual([...lockHolders([file, join(dir, "absent.img")], `1: POSIX  ADVISORY  WRITE 4242 ${dev}:${st.ino} 0 EOF\n`)], [[file, 4242]]);
  });
});
