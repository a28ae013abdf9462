import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConsoleBuffer } from "./console-buffer";

describe("a console's recent output", () => {
  it("keeps exactly the last `limit` characters, from pieces of any size", () => {
    const b = new ConsoleBuffer(10_000);
    let all = "";
    for (let i = 0; i < 20_000; i++) {
      const piece = i % 997 === 0 ? `[${"L".repeat(3000 + i)}]` : `line ${i}\n`;
      b.push(piece);
      all += piece;
    }
    assert.equal(b.text(), all.slice(-10_000));
  });

  it("keeps all of what is under its limit", () => {
    const b = new ConsoleBuffer(1000);
    b.push("a");
    b.push("bc");
    assert.equal(b.text(), "abc");
  });

  it("takes a flood of small pieces in linear time", () => {
    // One shift per line of a 256 KiB array of lines made a `yes` flood cost the engine half a core.
    const b = new ConsoleBuffer();
    const t0 = performance.now();
    for (let i = 0; i < 200_000; i++) b.push("flood-line\r\n");
    const ms = performance.now() - t0;
    assert.equal(b.text().length, 256 * 1024);
    assert.ok(ms < 250, `${ms.toFixed(0)} ms for 200,000 lines`);
  });
});
