import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { TAP_MAGIC, TapFrames, eachRecord } from "./tap-frames";

const record = (frame: Buffer, sec: number, usec: number, port = 1, dir = 0) => {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(sec, 0);
  h.writeUInt32LE(usec, 4);
  h.writeUInt32LE(frame.length, 8);
  h.writeUInt16LE(port, 12);
  h[14] = dir;
  return Buffer.concat([h, frame]);
};
type Got = { frame: Buffer; usec: number; port: number; out: boolean };
/** A reader whose frames are copied out as they come: `push` answers those of its chunk. */
const reader = () => {
  const got: Got[] = [];
  const r = new TapFrames((buf, from, to, frames) => {
    const before = got.length;
    eachRecord(buf, from, to, (start, len, usec, port, out) => got.push({ frame: Buffer.from(buf.subarray(start, start + len)), usec, port, out }));
    assert.equal(got.length - before, frames, "a run's count is its records'");
  });
  return {
    push(chunk: Buffer) {
      const before = got.length;
      assert.equal(r.push(chunk), got.length - before, "it counts what it gave");
      return got.slice(before);
    },
    get error() {
      return r.error;
    },
  };
};
const frame = (n: number) => Buffer.concat([Buffer.alloc(12, n), Buffer.from([0x08, 0x00]), Buffer.alloc(46, n)]);
const key = (f: Got) => `${f.frame.toString("hex")}/${f.usec}/${f.port}/${f.out}`;

describe("the switch plugin's stream", () => {
  it("gives each frame with its time, port and direction", () => {
    const r = reader();
    const got = r.push(Buffer.concat([TAP_MAGIC, record(frame(1), 100, 10, 3, 0), record(frame(2), 100, 20, 3, 1), record(frame(1), 101, 10, 7, 0)]));
    assert.deepEqual(
      got.map((f) => [f.frame[0], f.usec, f.port, f.out]),
      [
        [1, 100_000_010, 3, false],
        [2, 100_000_020, 3, true],
        [1, 101_000_010, 7, false],
      ],
    );
    assert.equal(r.error, null);
  });

  it("reads a stream cut anywhere the same as whole, in place: what it gave stays when the chunk is reused", () => {
    const stream = Buffer.concat([TAP_MAGIC, ...Array.from({ length: 30 }, (_, i) => record(i % 3 ? frame(i % 5) : Buffer.alloc(1500 + i, i), 100 + i, i, i % 4, i % 2))]);
    const whole = reader().push(stream).map(key);
    assert.equal(whole.length, 30);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
        const r = reader();
        const scratch = Buffer.alloc(stream.length);
        const at = [0, ...[...new Set(cuts)].sort((a, b) => a - b), stream.length];
        const got = at.slice(1).flatMap((end, i) => {
          const n = stream.copy(scratch, 0, at[i], end);
          const frames = r.push(scratch.subarray(0, n));
          scratch.fill(0xee);
          return frames;
        });
        assert.deepEqual(got.map(key), whole);
      }),
    );
  });

  it("stops at what is not its stream: another header, a record of 0 bytes or past the largest frame, a direction it does not write", () => {
    const r1 = reader();
    assert.deepEqual(r1.push(Buffer.concat([Buffer.from("UMLTAP02"), record(frame(1), 1, 1)])), []);
    assert.match(r1.error ?? "", /not the stream of umlab's switch plugin/);
    const r2 = reader();
    const huge = record(frame(1), 1, 1);
    huge.writeUInt32LE(70000, 8);
    assert.equal(r2.push(Buffer.concat([TAP_MAGIC, record(frame(5), 1, 1), huge])).length, 1);
    assert.match(r2.error ?? "", /a record of 70000 bytes/);
    assert.deepEqual(r2.push(record(frame(6), 2, 2)), [], "nothing after a broken record");
    const r3 = reader();
    assert.equal(r3.push(Buffer.concat([TAP_MAGIC, record(frame(5), 1, 1, 1, 2)])).length, 0);
    assert.match(r3.error ?? "", /direction 2/);
    const r4 = reader();
    assert.equal(r4.push(Buffer.concat([TAP_MAGIC, record(Buffer.alloc(0), 1, 1)])).length, 0);
    assert.match(r4.error ?? "", /a record of 0 bytes/);
  });

  it("never throws on random bytes after its header", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), fc.integer({ min: 1, max: 64 }), (bytes, step) => {
        const r = new TapFrames(() => {});
        const stream = Buffer.concat([TAP_MAGIC, Buffer.from(bytes)]);
        for (let at = 0; at < stream.length; at += step) r.push(stream.subarray(at, at + step));
      }),
    );
  });
});
