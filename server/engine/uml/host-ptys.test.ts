import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SERIAL_LINES } from "../../model/serial";
import { PTYS_PER_NODE, explainPtyFailure, hostPtys, ptyShortage } from "./host-ptys";

describe("host ptys a lab needs", () => {
  it("counts a node's console, exec line and serial lines", () => {
    assert.equal(PTYS_PER_NODE, 2 + SERIAL_LINES.length);
    assert.equal(PTYS_PER_NODE, 6);
  });

  it("refuses a lab the host's kernel.pty.max cannot hold, saying how many fit and how to raise it", () => {
    const debian = { max: 4096, open: 40 };
    assert.equal(ptyShortage(600, debian), null, "600 nodes fit in Debian's default");
    const why = ptyShortage(1000, debian);
    assert.ok(why);
    assert.match(why, /1000 nodes need 6000 host ptys/);
    assert.match(why, /4056 free of its kernel\.pty\.max 4096 \(about 676 more nodes\)/);
    assert.match(why, /sysctl -w kernel\.pty\.max=65536/);
    assert.equal(ptyShortage(1000, { max: 65536, open: 40 }), null);
    assert.match(ptyShortage(1, { max: 100, open: 98 }) ?? "", /^1 node needs 6 host ptys .* 2 free .*about 0 more nodes/);
    assert.equal(ptyShortage(5, null), null, "a host that does not say is not refused");
  });

  it("reads the host's limit and use from /proc, and nothing from what is not there", () => {
    const real = hostPtys();
    assert.ok(real && real.max > 0 && real.open >= 0 && real.open <= real.max, JSON.stringify(real));
    const dir = mkdtempSync(join(tmpdir(), "umlab-ptys-"));
    try {
      writeFileSync(join(dir, "max"), "4096\n");
      writeFileSync(join(dir, "nr"), "17\n");
      assert.deepEqual(hostPtys(dir), { max: 4096, open: 17 });
      writeFileSync(join(dir, "nr"), "lots\n");
      assert.equal(hostPtys(dir), null);
      assert.equal(hostPtys(join(dir, "absent")), null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("tells a boot that found no pty as such, and leaves other failures as they were", () => {
    const e = explainPtyFailure(new Error("openpty(3) failed.")) as Error;
    assert.match(e.message, /^openpty\(3\) failed\.: the host is out of ptys\. .*kernel\.pty\.max/);
    const other = new Error("no such image");
    assert.equal(explainPtyFailure(other), other);
  });
});
