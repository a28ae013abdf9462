/**
 * The stream `vde_plug` writes on stdout (and reads on stdin): each Ethernet
 * frame as a 2-byte big-endian length and its bytes. Whatever comes is
 * hostile: a length of 0 or past the largest frame ends the stream (the
 * reader stops, it never resyncs on garbage), and at most one frame is held.
 */
export const MAX_FRAME = 65535;

/**
 * A stream cut at frame boundaries, for relaying it without taking it
 * apart: each chunk gives the bytes of the whole frames it completes
 * (lengths included, as they came) and views of those frames. The views
 * share the chunk's memory: copy what is kept.
 */
export class FrameSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private broken: string | null = null;

  get error(): string | null {
    return this.broken;
  }

  push(chunk: Buffer): { wire: Buffer; frames: Buffer[] } {
    if (this.broken) return { wire: Buffer.alloc(0), frames: [] };
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: Buffer[] = [];
    let at = 0;
    while (buf.length - at >= 2) {
      const len = buf.readUInt16BE(at);
      if (len === 0) {
        this.broken = "a frame of length 0";
        break;
      }
      if (buf.length - at < 2 + len) break;
      frames.push(buf.subarray(at + 2, at + 2 + len));
      at += 2 + len;
    }
    // What is left is at most one frame (64 KiB): copied, so the chunk it came in is not held.
    this.pending = this.broken ? Buffer.alloc(0) : Buffer.from(buf.subarray(at));
    return { wire: buf.subarray(0, at), frames };
  }
}

/** One frame as vde_plug takes it on stdin. */
export function frameOut(frame: Buffer): Buffer {
  if (frame.length === 0 || frame.length > MAX_FRAME) throw new RangeError(`a frame of ${frame.length} bytes`);
  const head = Buffer.alloc(2);
  head.writeUInt16BE(frame.length, 0);
  return Buffer.concat([head, frame]);
}
