import assert from "node:assert/strict";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Sandbox } from "../sandbox";
import { makeRingDir, removeRingDir, ringDir } from "./switch-rings";

describe("capture rings' folder on tmpfs", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-ringdir-"));
  const run = join(root, "labs", "x", "run");
  after(() => {
    removeRingDir(run);
    rmSync(root, { recursive: true, force: true });
  });

  it("is the run's own, in memory, and never what someone left under its name in /dev/shm", () => {
    const dir = ringDir(run);
    assert.match(dir, /^\/dev\/shm\/umlab-rings-[0-9a-f]{20}$/, "on tmpfs");
    assert.notEqual(ringDir(join(root, "labs", "y", "run")), dir, "one a run");
    // Someone squats the name with a link to a folder of theirs: it is not followed, not chowned, not written into.
    const theirs = join(root, "theirs");
    mkdirSync(theirs);
    writeFileSync(join(theirs, "keep"), "x");
    symlinkSync(theirs, dir);
    assert.equal(makeRingDir(run, Sandbox.host()), dir);
    const st = lstatSync(dir);
    assert.ok(st.isDirectory() && !st.isSymbolicLink(), "a folder of its own");
    assert.equal(st.mode & 0o777, 0o700);
    assert.deepEqual(readdirSync(theirs), ["keep"]);
    // Made again (a switch restarted): kept as it is, with what it holds.
    writeFileSync(join(dir, "c1.ring"), "");
    makeRingDir(run, Sandbox.host());
    assert.deepEqual(readdirSync(dir), ["c1.ring"]);
    removeRingDir(run);
    assert.equal(lstatSync(dir, { throwIfNoEntry: false }), undefined);
  });
});
