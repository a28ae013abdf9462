/**
 * The stream `vde_plug` writes on stdout (and reads on stdin): each Ethernet
 * frame as a 2-byte big-endian length and its bytes. Whatever comes is
 * hostile: a length of 0 or past the largest frame ends the stream (the
 * reader stops, it never resyncs on garbage), and at most one frame is held.
 */
export const MAX_FRAME = 65535;

export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);
  private broken: string | null = null;

  /** Why the stream stopped making sense; null while it does. */
  get error(): string | null {
    return this.broken;
  }

  /** The whole frames in `chunk` and what came before it. */
  push(chunk: Buffer): Buffer[] {
    if (this.broken) return [];
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: Buffer[] = [];
    while (buf.length >= 2) {
      const len = buf.readUInt16BE(0);
      if (len === 0) {
        this.broken = "a frame of length 0";
        this.pending = Buffer.alloc(0);
        return frames;
      }
      if (buf.length < 2 + len) break;
      // A copy: the chunk's memory is reused by the stream.
      frames.push(Buffer.from(buf.subarray(2, 2 + len)));
      buf = buf.subarray(2 + len);
    }
    this.pending = Buffer.from(buf);
    return frames;
  }
}

/** One frame as vde_plug takes it on stdin. */
export function frameOut(frame: Buffer): Buffer {
  if (frame.length === 0 || frame.length > MAX_FRAME) throw new RangeError(`a frame of ${frame.length} bytes`);
  const head = Buffer.alloc(2);
  head.writeUInt16BE(frame.length, 0);
  return Buffer.concat([head, frame]);
}
