import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BATCH_MS, BURST_CHARS, ConsoleBatcher } from "./console-batch";

function harness() {
  let t = 1000;
  const out: { node: string; data: string; at: number }[] = [];
  const b = new ConsoleBatcher((_lab, node, data) => out.push({ node, data, at: t }), () => t);
  return { b, out, advance: (ms: number) => (t += ms) };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("console batcher", () => {
  it("sends typing and its echo at once, however fast the keys come", () => {
    const h = harness();
    for (let i = 0; i < 50; i++) {
      h.b.push("lab", "pc1", "k");
      h.advance(1);
    }
    assert.equal(h.out.length, 50);
  });

  it("gathers a flood into one piece a window, in order and whole", async () => {
    const h = harness();
    const line = `${"y".repeat(300)}\n`;
    const sent: string[] = [];
    for (let i = 0; i < 40; i++) {
      h.b.push("lab", "pc1", line);
      sent.push(line);
    }
    const first = h.out.length;
    assert.equal(first, Math.floor(BURST_CHARS / line.length));
    await wait(BATCH_MS + 20);
    assert.equal(h.out.length, first + 1, "the rest went out as one piece");
    assert.equal(h.out.map((o) => o.data).join(""), sent.join(""));
  });

  it("keeps a flood going in pieces one window apart, then lets typing through again", async () => {
    const h = harness();
    const chunk = "z".repeat(BURST_CHARS);
    h.b.push("lab", "pc1", chunk);
    h.b.push("lab", "pc1", chunk);
    await wait(BATCH_MS + 20);
    assert.equal(h.out.length, 2);
    h.b.push("lab", "pc1", chunk);
    assert.equal(h.out.length, 2, "still busy: held");
    await wait(BATCH_MS + 20);
    assert.equal(h.out.length, 3);
    h.advance(BATCH_MS);
    h.b.push("lab", "pc1", "$ ");
    assert.equal(h.out.length, 4, "quiet again: straight through");
  });

  it("holds each console on its own", () => {
    const h = harness();
    h.b.push("lab", "pc1", "x".repeat(BURST_CHARS + 1));
    h.b.push("lab", "pc2", "echo");
    assert.deepEqual(
      h.out.map((o) => o.node),
      ["pc2"],
    );
    h.b.flushLab("lab");
  });

  it("sends what a stopping lab holds at once", () => {
    const h = harness();
    h.b.push("lab", "pc1", "a".repeat(BURST_CHARS));
    h.b.push("lab", "pc1", "last words");
    h.b.push("other", "pc1", "o".repeat(BURST_CHARS));
    h.b.push("other", "pc1", "kept");
    h.b.flushLab("lab");
    assert.deepEqual(
      h.out.map((o) => o.data.slice(-10)),
      ["a".repeat(10), "o".repeat(10), "last words"],
    );
    h.b.flushLab("other");
  });
});
