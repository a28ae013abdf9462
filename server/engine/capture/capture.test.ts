import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { FrameSplitter, frameOut } from "./frames";
import { pcapngHeader, pcapngPacket, readPcapng } from "./pcapng";
import { CaptureRing } from "./ring";
import { summarize } from "./summary";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");
/** A real echo request (ping 10.0.0.2 from 10.0.0.1), Ethernet to ICMP, as a hub passes it. */
const ECHO = hex(`
  02 00 00 00 00 02 02 00 00 00 00 01 08 00
  45 00 00 54 12 34 40 00 40 01 00 00 0a 00 00 01 0a 00 00 02
  08 00 f7 fe 00 2a 00 01 ${"00".repeat(56)}`);

describe("capture: vde_plug's frame stream, pcapng, the ring, the light parse", () => {
  it("cuts the stream at frame boundaries however it comes, relays exactly the whole frames, and stops at a nonsense length", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 1600 }), { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 3000 })), (frames, cuts) => {
        const stream = Buffer.concat(frames.map((f) => frameOut(Buffer.from(f))));
        const splitter = new FrameSplitter();
        const got: Buffer[] = [];
        const relayed: Buffer[] = [];
        let at = 0;
        for (const n of [...cuts, stream.length]) {
          const { wire, frames: whole } = splitter.push(stream.subarray(at, at + n));
          got.push(...whole.map((f) => Buffer.from(f)));
          relayed.push(Buffer.from(wire));
          at += n;
          if (at >= stream.length) break;
        }
        assert.deepEqual(got.map((b) => [...b]), frames.map((f) => [...f]));
        assert.ok(Buffer.concat(relayed).equals(stream), "what is relayed is the stream itself, cut between frames");
        assert.equal(splitter.error, null);
      }),
    );
    const splitter = new FrameSplitter();
    assert.deepEqual(splitter.push(Buffer.concat([frameOut(ECHO), Buffer.from([0, 0, 1, 2])])).frames.length, 1, "the frame before the nonsense still goes");
    assert.match(splitter.error ?? "", /length 0/);
    assert.deepEqual(splitter.push(frameOut(ECHO)).frames, [], "nothing after the stream broke");
  });

  it("writes pcapng that reads back frame for frame, every block aligned", () => {
    const file = Buffer.concat([pcapngHeader("sw1", "lab ring, switch sw1"), pcapngPacket(ECHO, 1_700_000_000_123_456, true), pcapngPacket(ECHO.subarray(0, 61), 1_700_000_000_200_000)]);
    assert.equal(file.length % 4, 0);
    assert.equal(file.readUInt32LE(0), 0x0a0d0d0a);
    assert.equal(file.readUInt32LE(8), 0x1a2b3c4d);
    const { frames } = readPcapng(file);
    assert.deepEqual(frames.map((f) => [f.usec, f.frame.length]), [[1_700_000_000_123_456, ECHO.length], [1_700_000_000_200_000, 61]]);
    assert.ok(frames[0].frame.equals(ECHO));
    assert.throws(() => readPcapng(file.subarray(0, file.length - 3)), /damaged|after the last block/);
  });

  it("keeps at most its size, dropping the oldest, and numbers every frame", () => {
    const ring = new CaptureRing(1000);
    for (let i = 0; i < 10_000; i++) ring.push(Buffer.alloc(100, i), i);
    assert.equal(ring.count, 10_000);
    assert.ok(ring.size <= 1000);
    const held = ring.since();
    assert.equal(held.length, 10);
    assert.deepEqual(held.map((f) => f.no), [9991, 9992, 9993, 9994, 9995, 9996, 9997, 9998, 9999, 10000]);
    assert.equal(ring.dropped, 9990);
    assert.deepEqual(ring.since(9998).map((f) => f.no), [9999, 10000]);
    const big = new CaptureRing(10);
    big.push(Buffer.alloc(1500), 0);
    assert.equal(big.since().length, 1, "a frame larger than the ring is kept alone, not lost");
  });

  it("keeps every frame it holds as pushed, round its buffer many times, with its time and direction", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 200, max: 5000 }),
        fc.array(fc.record({ len: fc.integer({ min: 1, max: 1500 }), dir: fc.constantFrom(undefined, true, false) }), { minLength: 1, maxLength: 400 }),
        (limit, pushes) => {
          const ring = new CaptureRing(limit);
          const sent: Buffer[] = [];
          pushes.forEach(({ len, dir }, i) => {
            const bytes = Buffer.alloc(len, i % 251);
            if (len >= 4) bytes.writeUInt32LE(i, 0);
            sent.push(bytes);
            // From inside a larger buffer, as a stream's chunk gives it.
            const chunk = Buffer.concat([Buffer.alloc(7, 0xee), bytes, Buffer.alloc(5, 0xee)]);
            assert.equal(ring.push(chunk, 1000 + i, dir, 7, len), i + 1);
            chunk.fill(0); // the ring copied it
          });
          const held = ring.since();
          assert.ok(held.length >= 1, "the newest frame is always held");
          assert.equal(held.at(-1)!.no, pushes.length);
          assert.equal(held[0].no, ring.dropped + 1, "the frames held are the newest, none missing");
          assert.ok(ring.size <= Math.max(limit, 1500));
          assert.equal(ring.size, held.reduce((n, f) => n + f.frame.length, 0));
          for (const f of held) {
            assert.ok(f.frame.equals(sent[f.no - 1]), `frame ${f.no}`);
            assert.equal(f.usec, 1000 + f.no - 1);
            assert.equal(f.inbound, pushes[f.no - 1].dir);
          }
          assert.equal(ring.get(ring.dropped), null);
          assert.equal(ring.get(pushes.length + 1), null);
        },
      ),
    );
  });

  it("hands a writer that waits between frames those held when it asked, still intact, and none after", () => {
    const ring = new CaptureRing(6_000);
    for (let i = 0; i < 50; i++) ring.push(Buffer.alloc(100, i), i);
    const out: number[] = [];
    for (const f of ring.frames()) {
      assert.ok(f.frame.equals(Buffer.alloc(100, f.no - 1)), `frame ${f.no} intact`);
      out.push(f.no);
      // Meanwhile a flood: the oldest leave, faster than the writer goes.
      ring.push(Buffer.alloc(100, 200), 0);
      ring.push(Buffer.alloc(100, 200), 0);
    }
    assert.ok(out.length < 50 && out.length > 0);
    assert.ok(out.every((no, i) => i === 0 || no > out[i - 1]));
    assert.ok(out.at(-1)! <= 50, "frames that came after the writer asked are not its");
  });

  it("summarizes a ping, ARP and TCP; a cut or lying frame is malformed, never a crash", () => {
    assert.deepEqual(summarize(ECHO), { src: "10.0.0.1", dst: "10.0.0.2", protocol: "ICMP", length: 98, info: "Echo (ping) request id=0x002a, seq=1", malformed: false });
    const arp = hex("ff ff ff ff ff ff 02 00 00 00 00 01 08 06 0001 0800 06 04 0001 020000000001 0a000001 000000000000 0a000002");
    assert.equal(summarize(arp).info, "Who has 10.0.0.2? Tell 10.0.0.1");
    const withOptions = Buffer.from(ECHO);
    withOptions[14] = 0x46; // IHL 6: 4 bytes of options before ICMP
    assert.equal(summarize(withOptions).malformed, false);
    assert.match(summarize(withOptions).info, /with options/);
    for (let n = 0; n < ECHO.length; n++) assert.equal(summarize(ECHO.subarray(0, n)).malformed, true, `cut at ${n}`);
    const lying = Buffer.from(ECHO);
    lying.writeUInt16BE(1400, 16); // IPv4 total length past the frame
    assert.equal(summarize(lying).malformed, true);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => void summarize(Buffer.from(bytes))));
  });
});
