import assert from "node:assert/strict";
import { readdirSync, readlinkSync } from "node:fs";
import { describe, it } from "node:test";
import { AgentChannel } from "./agent";

/** Descriptors this process holds on pty slaves (/dev/pts/N). */
function ptySlaves(): number {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith("/dev/pts/");
    } catch {
      return false;
    }
  }).length;
}

describe("the exec channel's pty", () => {
  it("is given back when the channel closes: node starts do not use up the host's ptys", async () => {
    const before = ptySlaves();
    for (let i = 0; i < 20; i++) new AgentChannel().close();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(ptySlaves(), before);
  });
});
