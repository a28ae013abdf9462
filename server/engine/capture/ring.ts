import { DIR, FrameIndex } from "./frame-index";
import { MAX_FRAME } from "./frames";

/** A captured frame: when, which way (toward the node or from it, when known), its bytes. */
export interface CapturedFrame {
  /** Its number in the capture, from 1 (frames dropped from the ring keep theirs). */
  no: number;
  /** µs since the epoch: a number holds it exactly (below 2^53 until the year 2255), and costs no allocation a frame as a bigint does. */
  usec: number;
  inbound?: boolean;
  frame: Buffer;
}

/** Index entries a byte of ring may need: a frame is at least this long on average before the index, not the bytes, runs out. */
const BYTES_PER_ENTRY = 64;

/**
 * The frames of one capture, at most `limitBytes` of them: the oldest go
 * first. A capture never holds more than its user allowed, however long it
 * runs or however fast its wire is.
 *
 * The bytes sit one after another in one buffer, reused round and round,
 * and each frame's place, length, time and direction in typed arrays: a
 * flood of tens of thousands of frames a second makes no object and no
 * garbage a frame (an object and a buffer a frame were most of what a
 * capture cost the engine, and the memory churn the host's). A frame that
 * does not fit before the buffer's end goes to its start, and the oldest
 * frames whose bytes it takes leave. Frames are handed out as views,
 * valid until the next push: use them at once, or copy them.
 */
export class CaptureRing {
  private data: Buffer | null = null;
  private readonly index: FrameIndex;
  private writeAt = 0;
  private bytes = 0;

  constructor(readonly limitBytes: number) {
    this.index = new FrameIndex(Math.ceil(limitBytes / BYTES_PER_ENTRY));
  }

  /** Frames seen in all; `dropped` of them left the ring. */
  get count(): number {
    return this.index.nextNo - 1;
  }

  get dropped(): number {
    return this.count - this.index.held;
  }

  get size(): number {
    return this.bytes;
  }

  /** Keeps a copy of `len` bytes of `src` from `start` as the next frame; answers its number. */
  push(src: Buffer, usec: number, inbound?: boolean, start = 0, len = src.length - start): number {
    // A frame larger than a tiny ring still fits, alone.
    const data = this.buffer(len);
    if (len > data.length) {
      this.data = null;
      this.clear();
      return this.push(src, usec, inbound, start, len);
    }
    const at = this.makeRoom(len);
    src.copy(data, at, start, start + len);
    if (this.index.full) this.dropOldest();
    const no = this.index.add(at, len, usec, inbound === undefined ? DIR.none : inbound ? DIR.in : DIR.out);
    this.bytes += len;
    this.writeAt = at + len;
    return no;
  }

  /** The ring's buffer, made at the first frame as large as the ring may be (its pages are taken as they are written), and never smaller than a frame of `len`. */
  private buffer(len: number): Buffer {
    return (this.data ??= Buffer.allocUnsafe(Math.max(this.limitBytes, Math.min(MAX_FRAME, len))));
  }

  /**
   * Where a frame of `size` bytes goes: from where the last frame ended, or
   * from the buffer's start when it does not fit before its end; the oldest
   * frames in its way, or over the ring's size, leave.
   */
  private makeRoom(size: number): number {
    let at = this.writeAt;
    // The stretch of the buffer this takes from where the last frame ended: past the end, the rest of it too.
    let taken = size;
    if (at + size > this.data!.length) {
      taken = this.data!.length - at + size;
      at = 0;
    }
    while (this.index.held && this.distanceAfterWrite(this.index.oldestPlace) < taken) this.dropOldest();
    while (this.index.held && this.bytes + size > this.limitBytes) this.dropOldest();
    return at;
  }

  /** Frame `no` as a view, or null when it left the ring (or never was). */
  get(no: number): CapturedFrame | null {
    const slot = this.index.slotOf(no);
    if (slot < 0) return null;
    const start = this.index.place(slot);
    return this.index.frame(no, slot, this.data!.subarray(start, start + this.index.length(slot)));
  }

  /** The frames held, oldest first; after `afterNo`, only the newer ones. Views: use them before the next push. */
  since(afterNo = 0): CapturedFrame[] {
    return [...this.frames(afterNo)];
  }

  /**
   * The frames held after `afterNo` when asked, oldest first, each looked
   * up as it is asked for: a writer that waits between frames gets those
   * still held, intact (a view used before the next push is).
   */
  *frames(afterNo = 0): Generator<CapturedFrame> {
    // Those held when asked: frames pushed while a writer waits are not its (a flood would never let it end).
    const last = this.count;
    for (let no = Math.max(afterNo + 1, this.dropped + 1); no <= last; no++) {
      const f = this.get(no);
      if (f) yield f;
      else no = this.dropped;
    }
  }

  /** How far ahead of the write position a byte offset lies, round the buffer. */
  private distanceAfterWrite(offset: number): number {
    const n = this.data!.length;
    return (offset - this.writeAt + n) % n;
  }

  private dropOldest(): void {
    this.bytes -= this.index.oldestLength;
    this.index.dropOldest();
    if (!this.index.held) this.writeAt = 0;
  }

  private clear(): void {
    while (this.index.held) this.dropOldest();
  }
}
