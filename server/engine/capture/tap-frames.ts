import { MAX_FRAME } from "./frames";

/** What switch-tap.c writes first. */
export const TAP_MAGIC = Buffer.from("UMLTAP01");
/** A record's header (switch-tap.c): seconds, microseconds, length (u32 each), port (u16), direction (u8, 1 = out of the switch), 0. */
export const TAP_HEADER = 16;
/** A record's time, µs since the epoch. */
export const recordUsec = (b: Buffer, at: number) => b.readUInt32LE(at) * 1_000_000 + Math.min(999_999, b.readUInt32LE(at + 4));

/**
 * Where the tap's records go, a run at a time: the whole records of `buf` from `from` to `to`, each a 16-byte header
 * (seconds, microseconds, length, port, direction) and its frame, checked (a length within MAX_FRAME, a direction
 * of 0 or 1), `frames` of them. The bytes are valid during the call only: copy what is kept (CaptureRing.pushRecords).
 */
export type RecordSink = (buf: Buffer, from: number, to: number, frames: number) => void;

/** Each record of a run as a frame (tests, and a reader that wants them one by one): where it is, its time, port and direction. */
export function eachRecord(buf: Buffer, from: number, to: number, fn: (start: number, len: number, usec: number, port: number, out: boolean) => void): void {
  for (let at = from; at < to; ) {
    const len = buf.readUInt32LE(at + 8);
    fn(at + TAP_HEADER, len, recordUsec(buf, at), buf.readUInt16LE(at + 12), buf[at + 14] === 1);
    at += TAP_HEADER + len;
  }
}

/**
 * The stream umlab's switch plugin (switch-tap.c) writes, read as frames:
 * "UMLTAP01", then each frame after a 16-byte header (seconds, microseconds,
 * length, port, direction). Whatever comes is hostile, as the switch runs in
 * the guests' sandbox: another header, or a record longer than the largest
 * frame, ends the stream.
 *
 * A flood is tens of thousands of frames a second, so a chunk is read in
 * place (the caller may reuse it once `push` returns) and its whole records
 * go to the sink from there, as one run: no object, no allocation and no
 * call a frame. Only a record cut by the end of a chunk is copied, to be
 * completed by the next.
 */
export class TapFrames {
  private headerSeen = false;
  /** A record (or the stream's header) cut by the end of a chunk: its bytes so far. */
  private carry: Buffer | null = null;
  private broken: string | null = null;

  constructor(private readonly sink: RecordSink) {}

  get error(): string | null {
    return this.broken;
  }

  /** Reads a chunk of the stream (the caller may reuse it once this returns); answers how many records went to the sink. */
  push(chunk: Buffer): number {
    if (this.broken) return 0;
    let at = 0;
    let kept = 0;
    // First complete what the last chunk cut (the stream's header, a record's header, then its frame), from the head of this one.
    while (this.carry && at < chunk.length) {
      const carry = this.carry;
      const want = !this.headerSeen ? TAP_MAGIC.length : carry.length < TAP_HEADER ? TAP_HEADER : TAP_HEADER + carry.readUInt32LE(8);
      const take = Math.min(want - carry.length, chunk.length - at);
      this.carry = Buffer.concat([carry, chunk.subarray(at, at + take)]);
      at += take;
      if (this.carry.length < want) return kept;
      const whole = this.carry;
      if (!this.headerSeen) {
        this.carry = null;
        if (!this.readHeader(whole)) return kept;
      } else if (whole.length === TAP_HEADER && want === TAP_HEADER) {
        // Its header is whole: past the largest frame, the stream is broken; else its frame comes next.
        this.scan(whole, 0, whole.length);
        if (this.broken) return kept;
      } else {
        this.carry = null;
        kept += this.scan(whole, 0, whole.length).kept;
      }
    }
    if (this.carry) return kept;
    if (!this.headerSeen) {
      if (chunk.length - at < TAP_MAGIC.length) {
        this.carry = Buffer.from(chunk.subarray(at));
        return kept;
      }
      if (!this.readHeader(chunk.subarray(at, at + TAP_MAGIC.length))) return kept;
      at += TAP_MAGIC.length;
    }
    const { end, kept: more } = this.scan(chunk, at, chunk.length);
    if (!this.broken && end < chunk.length) this.carry = Buffer.from(chunk.subarray(end));
    return kept + more;
  }

  private readHeader(h: Buffer): boolean {
    if (!h.equals(TAP_MAGIC)) {
      this.broken = "not the stream of umlab's switch plugin";
      return false;
    }
    this.headerSeen = true;
    return true;
  }

  /** Hands the sink the whole records of `buf` from `at` to `end`, as one run; answers where the first cut (or broken) one begins, and how many went. */
  private scan(buf: Buffer, at: number, end: number): { end: number; kept: number } {
    const from = at;
    let kept = 0;
    while (end - at >= TAP_HEADER) {
      const len = buf.readUInt32LE(at + 8);
      const dir = buf[at + 14];
      if (len === 0 || len > MAX_FRAME || dir > 1) {
        this.broken = len === 0 || len > MAX_FRAME ? `a record of ${len} bytes` : `a record with direction ${dir}`;
        break;
      }
      if (end - at < TAP_HEADER + len) break;
      at += TAP_HEADER + len;
      kept++;
    }
    if (kept) this.sink(buf, from, at, kept);
    return { end: at, kept };
  }
}
