import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConsoleStream, lastLines, type ScreenAt } from "./console-stream";

function viewer(limits = { high: 100, low: 20, snapshot: 30 }) {
  const sent: { data: string; reset: boolean }[] = [];
  let at: ScreenAt = { screen: "", seq: 0 };
  let answer: (() => void) | null = null;
  let deferred = false;
  const stream = new ConsoleStream(
    (data, reset) => sent.push({ data, reset }),
    () =>
      deferred
        ? new Promise<ScreenAt>((r) => {
            const now = at;
            answer = () => r(now);
          })
        : Promise.resolve(at),
    limits,
  );
  return {
    stream,
    sent,
    setScreen: (screen: string, seq: number) => (at = { screen, seq }),
    /** Screen reads wait for `answer()`, as they do across the engine's socket. */
    defer: () => (deferred = true),
    answer: () => answer?.(),
  };
}

describe("console flow control", () => {
  it("passes output through while the viewer keeps up", () => {
    const { stream, sent } = viewer();
    stream.start({ screen: "hello!", seq: 0 });
    stream.ack(6);
    for (let i = 0; i < 50; i++) {
      stream.push("0123456789", i + 1);
      stream.ack(10);
    }
    assert.equal(sent.length, 50);
    assert.ok(sent.every((s) => !s.reset));
    assert.equal(stream.lagging, false);
  });

  it("stops sending to a viewer that falls behind, then sends the recent screen once it catches up, then what came after it", async () => {
    const { stream, sent, setScreen, defer, answer } = viewer();
    stream.start({ screen: "", seq: 0 });
    for (let i = 0; i < 30; i++) stream.push("y\ny\ny\ny\ny\n", i + 1);
    assert.equal(stream.lagging, true);
    // 11 chunks of 10 went out before the high mark; the rest were skipped.
    assert.equal(sent.length, 11);
    assert.equal(stream.skipped, 190);
    setScreen("old line\n".repeat(10) + "$ ", 31);
    defer();
    stream.ack(60);
    assert.equal(sent.length, 11, "still above the low mark");
    stream.ack(40);
    // While the screen is read, chunk 31 (in the screen) and 32 (after it) come.
    stream.push("in the screen", 31);
    stream.push("z", 32);
    assert.equal(sent.length, 11, "nothing goes out while the screen is read");
    answer();
    await Promise.resolve();
    assert.equal(stream.lagging, false);
    const reset = sent[11];
    assert.equal(reset.reset, true);
    assert.ok(reset.data.length <= 30);
    assert.ok(reset.data.endsWith("$ "));
    assert.ok(reset.data.startsWith("old line"), "the snapshot starts at a line");
    assert.deepEqual(sent.slice(12), [{ data: "z", reset: false }], "only what is newer than the screen follows it");
  });

  it("ignores nonsense acknowledgements", () => {
    const { stream } = viewer();
    stream.start({ screen: "", seq: 0 });
    for (let i = 0; i < 11; i++) stream.push("0123456789", i + 1);
    assert.equal(stream.lagging, true);
    for (const bad of [NaN, -5, 0, Infinity]) stream.ack(bad);
    assert.equal(stream.lagging, true);
  });

  it("holds output until the viewer has its starting screen, then sends only what the screen lacks, whichever came first", () => {
    const { stream, sent } = viewer();
    stream.push("chunk 7", 7);
    stream.push("chunk 8", 8);
    assert.equal(sent.length, 0);
    stream.start({ screen: "screen up to 7", seq: 7 });
    stream.push("chunk 9", 9);
    assert.deepEqual(sent.map((s) => s.data), ["chunk 8", "chunk 9"]);
  });

  it("sends the whole screen again after output was lost on the way", async () => {
    const { stream, sent, setScreen } = viewer();
    stream.start({ screen: "", seq: 0 });
    stream.push("a", 1);
    setScreen("the screen", 5);
    stream.resync();
    stream.push("held", 6);
    await Promise.resolve();
    assert.deepEqual(sent, [{ data: "a", reset: false }, { data: "the screen", reset: true }, { data: "held", reset: false }]);
  });

  it("cuts a snapshot at a line start", () => {
    assert.equal(lastLines("abc", 10), "abc");
    assert.equal(lastLines("line1\nline2\nline3", 8), "line3");
    assert.equal(lastLines("xxxxxxxxxxxx", 4), "xxxx");
  });
});
