import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import fc from "fast-check";
import { RING_HEAD, RingFile, TAP_HEADER } from "./ring-file";

/** switch-tap.c's side of a ring, line for line (tap_ring, put): what the switch writes, through the file instead of its mapping. */
class PluginWriter {
  private readonly fd: number;
  head = 0;
  tail = 0;
  tailNo = 0;
  frames = 0;
  gen = 0;
  /** The records held, as the plugin wrote them: offset, frame. */
  readonly held: { off: number; no: number; frame: Buffer; usec: number; out: boolean }[] = [];

  constructor(
    path: string,
    readonly cap: number,
  ) {
    this.fd = openSync(path, "r+");
    const h = Buffer.alloc(RING_HEAD);
    h.write("UMLRING1", 0);
    h.writeBigUInt64LE(BigInt(cap), 56);
    writeSync(this.fd, h, 0, RING_HEAD, 0);
  }

  put(frame: Buffer, usec: number, port: number, out: boolean): void {
    const need = TAP_HEADER + frame.length;
    if (need > this.cap) return;
    while (this.head + need - this.tail > this.cap) {
      const gone = this.held.shift()!;
      this.tail += TAP_HEADER + gone.frame.length;
      this.tailNo++;
    }
    this.field(8, ++this.gen);
    this.field(24, this.tail);
    this.field(32, this.tailNo);
    this.field(8, ++this.gen);
    const rec = Buffer.alloc(need);
    rec.writeUInt32LE(Math.floor(usec / 1e6), 0);
    rec.writeUInt32LE(usec % 1e6, 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt16LE(port, 12);
    rec[14] = out ? 1 : 0;
    frame.copy(rec, TAP_HEADER);
    this.write(this.head, rec);
    this.held.push({ off: this.head, no: this.frames + 1, frame, usec, out });
    this.field(40, ++this.frames);
    this.head += need;
    this.field(16, this.head);
  }

  /** Writes raw bytes at a byte offset of the records (a hostile switch). */
  write(off: number, b: Buffer): void {
    const at = off % this.cap;
    const first = Math.min(b.length, this.cap - at);
    writeSync(this.fd, b, 0, first, RING_HEAD + at);
    if (first < b.length) writeSync(this.fd, b, first, b.length - first, RING_HEAD);
  }

  field(at: number, v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    writeSync(this.fd, b, 0, 8, at);
  }

  close(): void {
    closeSync(this.fd);
  }
}

describe("capture ring file: what the switch's plugin fills, read by the engine when asked", () => {
  const dir = mkdtempSync(join(tmpdir(), "umlab-ringfile-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const pair = (cap: number, port: number | null) => {
    const ring = new RingFile(join(dir, `r${n++}.ring`), cap, port);
    return { ring, w: new PluginWriter(ring.path, cap) };
  };

  it("reads the frames the plugin holds, however often it looks: the newest, intact, numbered, with time and direction", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4096, max: 40_000 }),
        fc.constantFrom(null, 3),
        // Frames written between two looks (sync): none, a few, or enough to go round the ring many times.
        fc.array(fc.array(fc.record({ len: fc.oneof(fc.integer({ min: 14, max: 100 }), fc.integer({ min: 1000, max: 1514 })), out: fc.boolean() }), { maxLength: 60 }), { minLength: 1, maxLength: 12 }),
        (cap, port, batches) => {
          const { ring, w } = pair(cap, port);
          assert.ok(ring.taken());
          let i = 0;
          for (const batch of batches) {
            for (const { len, out } of batch) {
              const frame = Buffer.alloc(len, i % 251);
              frame.writeUInt32LE(i, 0);
              w.put(frame, 1_700_000_000_000_000 + i * 37, port ?? 0, port === null ? false : out);
              i++;
            }
            ring.sync();
            assert.equal(ring.error, null);
            assert.equal(ring.count, w.frames);
            assert.equal(ring.dropped, w.tailNo);
            const got = ring.since();
            assert.deepEqual(
              got.map((f) => f.no),
              w.held.map((h) => h.no),
              "every frame the ring holds, none it dropped",
            );
            for (const [k, f] of got.entries()) {
              const h = w.held[k];
              assert.ok(f.frame.equals(h.frame), `frame ${f.no}'s bytes`);
              assert.equal(f.usec, h.usec);
              assert.equal(f.inbound, port === null ? undefined : h.out);
              assert.equal(ring.get(f.no)?.frame.equals(h.frame), true, `frame ${f.no} alone`);
            }
            assert.equal(ring.size, w.held.reduce((s, h) => s + h.frame.length, 0));
            // Read into one reused buffer, as rows are made: each frame right while it is the current one.
            let k = 0;
            for (const f of ring.frames(0, true)) assert.ok(f.frame.equals(w.held[k++].frame), `frame ${f.no}, reused buffer`);
            assert.equal(k, w.held.length);
          }
          assert.equal(ring.get(0), null);
          assert.equal(ring.get(w.frames + 1), null);
          w.close();
          ring.close();
        },
      ),
      { numRuns: 200 },
    );
  });

  it("grows its index past its first thousand frames, in order, while the ring goes round", () => {
    const { ring, w } = pair(200_000, null);
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 2500; i++) w.put(Buffer.alloc(20 + (i % 50), i % 251), 1e15 + i, 0, false);
      ring.sync();
      assert.deepEqual(
        ring.since().map((f) => [f.no, f.frame.length, f.frame[0]]),
        w.held.map((h) => [h.no, h.frame.length, h.frame[0]]),
      );
    }
    assert.ok(w.held.length > 2000 && w.tailNo > 0, `${w.held.length} held, ${w.tailNo} gone`);
    w.close();
    ring.close();
  });

  it("leaves out a frame the plugin overwrote after it was indexed, and reads on from the plugin's tail", () => {
    const { ring, w } = pair(4096, null);
    for (let i = 0; i < 10; i++) w.put(Buffer.alloc(300, i), 1e15 + i, 0, false);
    ring.sync();
    const before = ring.since().map((f) => f.no);
    assert.deepEqual(before, w.held.map((h) => h.no));
    // The plugin goes on while the engine does not look: the frames it indexed are overwritten.
    for (let i = 10; i < 40; i++) w.put(Buffer.alloc(300, i), 1e15 + i, 0, false);
    assert.equal(ring.get(before[0]), null, "an overwritten frame is never handed out torn");
    assert.deepEqual([...ring.frames()], [], "nor in a run");
    ring.sync();
    assert.deepEqual(ring.since().map((f) => [f.no, f.frame[0]]), w.held.map((h) => [h.no, h.frame[0]]));
    w.close();
    ring.close();
  });

  it("indexes only whole frames while the plugin writes over the ring as it is read (a writer in another thread)", async () => {
    const { ring, w } = pair(8192, null);
    w.close();
    // switch-tap.c's put() again, in a thread of its own, as fast as it goes: frame k holds k, then the byte k % 251.
    const writer = new Worker(
      `const { openSync, writeSync } = require("node:fs");
      const { workerData: { path, cap, ms } } = require("node:worker_threads");
      const fd = openSync(path, "r+");
      const u64 = (at, v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); writeSync(fd, b, 0, 8, at); };
      const put = (off, b) => { const at = off % cap, first = Math.min(b.length, cap - at); writeSync(fd, b, 0, first, 64 + at); if (first < b.length) writeSync(fd, b, first, b.length - first, 64); };
      let head = 0, tail = 0, tailNo = 0, gen = 0, k = 0;
      const lens = [];
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const len = 14 + ((k * 7919) % 300), need = 16 + len;
        if (head + need - tail > cap) {
          while (head + need - tail > cap) { tail += 16 + lens.shift(); tailNo++; }
          u64(8, ++gen); u64(24, tail); u64(32, tailNo); u64(8, ++gen);
        }
        const rec = Buffer.alloc(need, k % 251);
        rec.writeUInt32LE(1000, 0); rec.writeUInt32LE(0, 4); rec.writeUInt32LE(len, 8); rec.writeUInt16LE(0, 12); rec[14] = 0; rec[15] = 0;
        rec.writeUInt32LE(k, 16);
        put(head, rec);
        lens.push(len);
        k++;
        u64(40, k);
        head += need;
        u64(16, head);
      }`,
      { eval: true, workerData: { path: ring.path, cap: 8192, ms: 1500 } },
    );
    const done = new Promise((r) => writer.once("exit", r));
    let running = true;
    void done.then(() => (running = false));
    let looks = 0;
    let checked = 0;
    while (running) {
      ring.sync();
      assert.equal(ring.error, null, `look ${looks}`);
      for (const f of ring.since()) {
        const k = f.frame.readUInt32LE(0);
        assert.equal(k, f.no - 1, "its number");
        assert.equal(f.frame.length, 14 + ((k * 7919) % 300), `frame ${f.no}'s length`);
        assert.ok(f.frame.subarray(4).every((b) => b === k % 251), `frame ${f.no}'s bytes`);
        checked++;
      }
      looks++;
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(looks > 20 && checked > 1000, `${looks} looks, ${checked} frames checked`);
    ring.close();
  });

  it("ends with a reason, never a crash, when the switch writes what the plugin never writes", () => {
    const cases: [string, (w: PluginWriter) => void][] = [
      ["a record of no bytes", (w) => w.write(w.head - 1514 - TAP_HEADER + 8, Buffer.alloc(4))],
      ["a record longer than any frame", (w) => w.write(w.head - 1514 - TAP_HEADER + 8, Buffer.from([0xff, 0xff, 0xff, 0x7f]))],
      ["a direction that is not 0 or 1", (w) => w.write(w.head - 1514 - TAP_HEADER + 14, Buffer.from([7]))],
      ["a head inside a record", (w) => w.field(16, w.head - 5)],
      ["a tail past the head", (w) => w.field(24, w.head + 100)],
      ["another size", (w) => w.field(56, 1 << 20)],
      ["a head past what a number holds", (w) => w.field(16, 2 ** 60)],
    ];
    for (const [what, spoil] of cases) {
      const { ring, w } = pair(8192, null);
      w.put(Buffer.alloc(60, 1), 1e15, 0, false);
      w.put(Buffer.alloc(1514, 2), 1e15 + 1, 0, false);
      spoil(w);
      ring.sync();
      assert.ok(ring.error, `${what}: refused`);
      assert.doesNotThrow(() => ring.sync());
      w.close();
      ring.close();
    }
  });

  it("is not taken until the plugin wrote its header, and its file goes with it", () => {
    const ring = new RingFile(join(dir, "untaken.ring"), 4096, null);
    assert.equal(ring.taken(), false);
    assert.throws(() => new RingFile(ring.path, 4096, null), /EEXIST/, "a ring's file is its own");
    ring.close();
    assert.doesNotThrow(() => new RingFile(ring.path, 4096, null).close());
  });
});
