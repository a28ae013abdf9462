import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { firstNumber, indexPcapng, rowByNumber } from "./pcapng-index";
import { echoFrame, pcapngOf } from "./test-frames";

test("a pcapng's frames: time and length of each, in order; a damaged tail ends the walk where the good blocks end", () => {
  const file = pcapngOf([echoFrame(true, 1), echoFrame(false, 1).subarray(0, 20)], 1_800_000_000_000_000, 250);
  const { frames, damaged, end } = indexPcapng(file);
  assert.deepEqual(frames, [
    { usec: 1_800_000_000_000_000, length: 98 },
    { usec: 1_800_000_000_000_250, length: 20 },
  ]);
  assert.equal(damaged, false);
  assert.equal(end, file.length);
  const cut = indexPcapng(file.subarray(0, file.length - 3));
  assert.equal(cut.frames.length, 1);
  assert.equal(cut.damaged, true);
  assert.ok(cut.end < file.length - 3);
  assert.deepEqual(indexPcapng(new Uint8Array(0)), { frames: [], damaged: false, end: 0 });
  for (let i = 0; i < 200; i++) {
    const junk = randomBytes(i * 7);
    assert.doesNotThrow(() => indexPcapng(junk));
    // Garbage after a good header: never throws, never reads past the end.
    const mixed = Buffer.concat([file.subarray(0, 60), junk]);
    assert.ok(indexPcapng(mixed).end <= mixed.length);
  }
});

test("the file's first frame takes its number from the rows whose times and lengths line up", () => {
  const rows = Array.from({ length: 50 }, (_, i) => ({ no: 101 + i, usec: 5000 + Math.floor(i / 2), length: 60 + (i % 3) }));
  // The ring dropped the first 10 held here: the file starts at no 111.
  const frames = rows.slice(10).map((r) => ({ usec: r.usec, length: r.length }));
  assert.equal(firstNumber(frames, rows, 1), 111);
  // Rows missing (the viewer fell behind) do not stop the match.
  const sparse = rows.filter((r) => r.no % 4 !== 0);
  assert.equal(firstNumber(frames, sparse, 1), 111);
  // Nothing lines up: the fallback.
  assert.equal(firstNumber([{ usec: 1, length: 1 }], rows, 42), 42);
  assert.equal(firstNumber([], rows, 7), 7);
  assert.equal(rowByNumber(sparse, 112)?.no, undefined);
  assert.equal(rowByNumber(sparse, 113)?.no, 113);
});
