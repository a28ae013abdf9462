import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { PcapFrames } from "./pcap-frames";

const header = () => {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(96, 16);
  h.writeUInt32LE(1, 20);
  return h;
};
const record = (frame: Buffer, sec: number, usec: number) => {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(sec, 0);
  h.writeUInt32LE(usec, 4);
  h.writeUInt32LE(frame.length, 8);
  h.writeUInt32LE(frame.length, 12);
  return Buffer.concat([h, frame]);
};
/** A reader whose frames are copied out as they come: `push` answers those of its chunk. */
const reader = () => {
  const got: { frame: Buffer; usec: number }[] = [];
  const r = new PcapFrames((buf, start, len, usec) => got.push({ frame: Buffer.from(buf.subarray(start, start + len)), usec }));
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

describe("the switch's pcap dump", () => {
  it("gives each frame once: in and out, a flood's copies, a tapped link's second pass; the same bytes later again", () => {
    const r = reader();
    const stream = Buffer.concat([
      header(),
      record(frame(1), 100, 10), record(frame(1), 100, 12), // in, out
      record(frame(2), 100, 20), record(frame(2), 100, 21), record(frame(2), 100, 22), record(frame(2), 100, 23), // a flood to three ports
      record(frame(3), 100, 30), record(frame(3), 100, 31), record(frame(3), 100, 2030), record(frame(3), 100, 2031), // across a tap: through the switch twice
      record(frame(1), 101, 10), // the same bytes a second later: a frame of its own
    ]);
    const got = r.push(stream);
    assert.deepEqual(got.map((f) => [f.frame[0], f.usec]), [[1, 100_000_010], [2, 100_000_020], [3, 100_000_030], [1, 101_000_010]]);
    assert.equal(r.error, null);
  });

  it("reads a stream cut anywhere the same as whole", () => {
    const stream = Buffer.concat([header(), ...Array.from({ length: 20 }, (_, i) => record(frame(i % 7), 100 + i, i))]);
    const whole = reader().push(stream).map((f) => f.frame.toString("hex") + f.usec);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 8 }), (cuts) => {
        const r = reader();
        const at = [0, ...[...new Set(cuts)].sort((a, b) => a - b), stream.length];
        const got = at.slice(1).flatMap((end, i) => r.push(stream.subarray(at[i], end)).map((f) => f.frame.toString("hex") + f.usec));
        assert.deepEqual(got, whole);
      }),
    );
  });

  it("reads a chunk in place: what it gave stays as it was when the chunk is reused, and so does the twin check", () => {
    const stream = Buffer.concat([header(), ...Array.from({ length: 30 }, (_, i) => [record(frame(i % 5), 100 + i, 1), record(frame(i % 5), 100 + i, 2)]).flat()]);
    const whole = reader().push(stream).map((f) => f.frame.toString("hex") + f.usec);
    assert.equal(whole.length, 30, "each frame once, its second record a twin");
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
        assert.deepEqual(got.map((f) => f.frame.toString("hex") + f.usec), whole);
      }),
    );
  });

  it("stops at what is not its pcap: another header, a record of 0 bytes or past the largest frame", () => {
    const bad = header();
    bad.writeUInt32LE(0xa1b23c4d, 0);
    const r1 = reader();
    assert.deepEqual(r1.push(Buffer.concat([bad, record(frame(1), 1, 1)])), []);
    assert.match(r1.error ?? "", /not a little-endian Ethernet pcap/);
    const r2 = reader();
    const huge = record(frame(1), 1, 1);
    huge.writeUInt32LE(70000, 8);
    assert.equal(r2.push(Buffer.concat([header(), record(frame(5), 1, 1), huge])).length, 1);
    assert.match(r2.error ?? "", /a record of 70000 bytes/);
    assert.deepEqual(r2.push(record(frame(6), 2, 2)), [], "nothing after a broken record");
  });
});
