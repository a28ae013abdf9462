/**
 * Frames copied out of the stream they came in, into one buffer: one
 * allocation a read, not one a frame (at a flood, per-frame copies were a
 * fifth of what a capture cost the engine). The ring holds views of it; the
 * buffer goes once its last frame has left the ring, and it holds nothing
 * the ring does not (a switch's second copy of a frame is not in it).
 */
export function copies(frames: Buffer[]): Buffer[] {
  const slab = Buffer.allocUnsafe(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  return frames.map((f) => {
    f.copy(slab, at);
    at += f.length;
    return slab.subarray(at - f.length, at);
  });
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

/**
 * The frames of one capture, at most `limitBytes` of them: the oldest go
 * first. A capture never holds more than its user allowed, however long it
 * runs or however fast its wire is.
 */
export class CaptureRing {
  private readonly frames: CapturedFrame[] = [];
  private head = 0;
  private bytes = 0;
  private seen = 0;

  constructor(readonly limitBytes: number) {}

  /** Frames seen in all; `dropped` of them left the ring. */
  get count(): number {
    return this.seen;
  }

  get dropped(): number {
    return this.seen - (this.frames.length - this.head);
  }

  get size(): number {
    return this.bytes;
  }

  push(frame: Buffer, usec: number, inbound?: boolean): CapturedFrame {
    const f: CapturedFrame = { no: ++this.seen, usec, frame, ...(inbound === undefined ? {} : { inbound }) };
    this.frames.push(f);
    this.bytes += frame.length;
    while (this.bytes > this.limitBytes && this.head < this.frames.length - 1) this.bytes -= this.frames[this.head++].frame.length;
    // Drop what left the ring from the array now and then, not on every frame.
    if (this.head > 4096 && this.head * 2 > this.frames.length) {
      this.frames.splice(0, this.head);
      this.head = 0;
    }
    return f;
  }

  /** The frames held, oldest first; after `afterNo`, only the newer ones. */
  since(afterNo = 0): CapturedFrame[] {
    const held = this.frames.slice(this.head);
    return afterNo ? held.filter((f) => f.no > afterNo) : held;
  }
}
