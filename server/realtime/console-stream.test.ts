import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConsoleStream, lastLines } from "./console-stream";

function viewer(limits = { high: 100, low: 20, snapshot: 30 }) {
  const sent: { data: string; reset: boolean }[] = [];
  let screen = "";
  const stream = new ConsoleStream((data, reset) => sent.push({ data, reset }), () => Promise.resolve(screen), limits);
  return { stream, sent, setScreen: (s: string) => (screen = s) };
}

describe("console flow control", () => {
  it("passes output through while the viewer keeps up", () => {
    const { stream, sent } = viewer();
    stream.counted(6);
    stream.ack(6);
    for (let i = 0; i < 50; i++) {
      stream.push("0123456789");
      stream.ack(10);
    }
    assert.equal(sent.length, 50);
    assert.ok(sent.every((s) => !s.reset));
    assert.equal(stream.lagging, false);
  });

  it("stops sending to a viewer that falls behind, then sends the recent screen once it catches up", async () => {
    const { stream, sent, setScreen } = viewer();
    stream.counted(0);
    for (let i = 0; i < 30; i++) stream.push("y\ny\ny\ny\ny\n");
    assert.equal(stream.lagging, true);
    // 11 chunks of 10 went out before the high mark; the rest were skipped.
    assert.equal(sent.length, 11);
    assert.equal(stream.skipped, 190);
    setScreen("old line\n".repeat(10) + "$ ");
    stream.ack(60);
    assert.equal(sent.length, 11, "still above the low mark");
    stream.ack(40);
    assert.equal(stream.lagging, true, "behind until the screen is read");
    stream.push("dropped: the screen read holds it");
    await Promise.resolve();
    assert.equal(stream.lagging, false);
    const last = sent[sent.length - 1];
    assert.equal(last.reset, true);
    assert.ok(last.data.length <= 30);
    assert.ok(last.data.endsWith("$ "));
    assert.ok(last.data.startsWith("old line"), "the snapshot starts at a line");
    stream.push("z");
    assert.equal(sent[sent.length - 1].data, "z");
  });

  it("ignores nonsense acknowledgements", () => {
    const { stream } = viewer();
    stream.counted(0);
    for (let i = 0; i < 11; i++) stream.push("0123456789");
    assert.equal(stream.lagging, true);
    for (const bad of [NaN, -5, 0, Infinity]) stream.ack(bad);
    assert.equal(stream.lagging, true);
  });

  it("drops output until the viewer has its starting screen (the engine sent it before the screen, which holds it)", () => {
    const { stream, sent } = viewer();
    stream.push("before the screen was read");
    assert.equal(sent.length, 0);
    stream.counted(10);
    stream.push("after");
    assert.deepEqual(sent, [{ data: "after", reset: false }]);
  });

  it("cuts a snapshot at a line start", () => {
    assert.equal(lastLines("abc", 10), "abc");
    assert.equal(lastLines("line1\nline2\nline3", 8), "line3");
    assert.equal(lastLines("xxxxxxxxxxxx", 4), "xxxx");
  });
});
