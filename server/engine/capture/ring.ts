import { MAX_FRAME } from "./frames";

type IndexArray = Uint32Array | Float64Array | Uint8Array;

/** A round index's `held` entries from slot `first`, copied in order to the start of `into` (a larger one); answers `into`. */
export function unroll<T extends IndexArray>(from: T, into: T, first: number, held: number): T {
  for (let i = 0; i < held; i++) into[i] = from[(first + i) % from.length];
  return into;
}

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
const FIRST_ENTRIES = 1024;
const NO_DIR = 0;
const IN = 1;
const OUT = 2;

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
  private starts = new Uint32Array(FIRST_ENTRIES);
  private lengths = new Uint32Array(FIRST_ENTRIES);
  private usecs = new Float64Array(FIRST_ENTRIES);
  private dirs = new Uint8Array(FIRST_ENTRIES);
  /** Index slot of the oldest frame held, and how many are held. */
  private first = 0;
  private held = 0;
  private writeAt = 0;
  private bytes = 0;
  private seen = 0;
  private readonly maxEntries: number;

  constructor(readonly limitBytes: number) {
    this.maxEntries = Math.max(FIRST_ENTRIES, Math.ceil(limitBytes / BYTES_PER_ENTRY));
  }

  /** Frames seen in all; `dropped` of them left the ring. */
  get count(): number {
    return this.seen;
  }

  get dropped(): number {
    return this.seen - this.held;
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
    const at = this.makeRoom(len, len);
    src.copy(data, at, start, start + len);
    const no = this.index(at, len, usec, inbound === undefined ? NO_DIR : inbound ? IN : OUT);
    this.writeAt = at + len;
    return no;
  }

  /** The ring's buffer, made at the first frame as large as the ring may be (its pages are taken as they are written), and never smaller than a frame of `len`. */
  private buffer(len: number): Buffer {
    return (this.data ??= Buffer.allocUnsafe(Math.max(this.limitBytes, Math.min(MAX_FRAME, len))));
  }

  /**
   * Where `size` bytes holding `frameBytes` of frames go: from where the
   * last frame ended, or from the buffer's start when they do not fit
   * before its end; the oldest frames in their way, or over the ring's
   * size, leave.
   */
  private makeRoom(size: number, frameBytes: number): number {
    let at = this.writeAt;
    // The stretch of the buffer this takes from where the last frame ended: past the end, the rest of it too.
    let taken = size;
    if (at + size > this.data!.length) {
      taken = this.data!.length - at + size;
      at = 0;
    }
    while (this.held && this.distanceAfterWrite(this.starts[this.first]) < taken) this.dropOldest();
    while (this.held && this.bytes + frameBytes > this.limitBytes) this.dropOldest();
    return at;
  }

  /** Indexes a frame whose bytes are at `at` in the buffer; answers its number. */
  private index(at: number, len: number, usec: number, dir: number): number {
    if (this.held === this.starts.length) {
      if (this.held < this.maxEntries) this.grow();
      else this.dropOldest();
    }
    const slot = (this.first + this.held) % this.starts.length;
    this.starts[slot] = at;
    this.lengths[slot] = len;
    this.usecs[slot] = usec;
    this.dirs[slot] = dir;
    this.held++;
    this.bytes += len;
    return ++this.seen;
  }

  /** Frame `no` as a view, or null when it left the ring (or never was). */
  get(no: number): CapturedFrame | null {
    const back = this.seen - no;
    if (no < 1 || back < 0 || back >= this.held) return null;
    const slot = (this.first + this.held - 1 - back) % this.starts.length;
    const start = this.starts[slot];
    const dir = this.dirs[slot];
    return { no, usec: this.usecs[slot], ...(dir === NO_DIR ? {} : { inbound: dir === IN }), frame: this.data!.subarray(start, start + this.lengths[slot]) };
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
    const last = this.seen;
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
    this.bytes -= this.lengths[this.first];
    this.first = (this.first + 1) % this.starts.length;
    this.held--;
    if (!this.held) {
      this.first = 0;
      this.writeAt = 0;
    }
  }

  private clear(): void {
    while (this.held) this.dropOldest();
  }

  /** Twice the index, the held entries moved to its start in order. */
  private grow(): void {
    const cap = Math.min(this.maxEntries, this.starts.length * 2);
    const order = <T extends IndexArray>(a: T, b: T) => unroll(a, b, this.first, this.held);
    this.starts = order(this.starts, new Uint32Array(cap));
    this.lengths = order(this.lengths, new Uint32Array(cap));
    this.usecs = order(this.usecs, new Float64Array(cap));
    this.dirs = order(this.dirs, new Uint8Array(cap));
    this.first = 0;
  }
}
