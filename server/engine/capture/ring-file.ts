import { closeSync, ftruncateSync, openSync, readSync, rmSync } from "node:fs";
import { MAX_FRAME } from "./frames";
import { DIR, FrameIndex } from "./frame-index";
import type { CapturedFrame } from "./ring";

/** A record's header (switch-tap.c): seconds, microseconds, length (u32 each), port (u16), direction (u8, 1 = out of the switch), 0. */
export const TAP_HEADER = 16;
/** A record's time, µs since the epoch. */
const recordUsec = (b: Buffer, at: number) => b.readUInt32LE(at) * 1_000_000 + Math.min(999_999, b.readUInt32LE(at + 4));

/** The ring file's header (switch-tap.c struct ring_head): magic, then u64 gen, head, tail, tail_no, frames, too_big, cap. */
export const RING_HEAD = 64;
export const RING_MAGIC = Buffer.from("UMLRING1");
const F = { gen: 8, head: 16, tail: 24, tailNo: 32, frames: 40, tooBig: 48, cap: 56 } as const;
/** What one read takes of the file: larger than any record, small enough to stay in the cache. */
const CHUNK = 1024 * 1024;
/**
 * Index entries a byte of ring may need: a record of a frame of 16 bytes, so the index holds all the file does for
 * any Ethernet frame (60 bytes at least), at most two thirds of the ring's size in memory (21 bytes an entry) when
 * read whole. Past that (a guest sending tinier frames), the oldest indexed frames leave the view first.
 */
const BYTES_PER_ENTRY = 32;
/** A header read while the plugin moves the tail is read again: this often at most, then left for the next look. */
const HEADER_TRIES = 50;

/** What the header says: byte offsets and record numbers since the ring began (numbers from 0). */
export interface RingHead {
  head: number;
  tail: number;
  tailNo: number;
  frames: number;
  tooBig: number;
}

const u64 = (b: Buffer, at: number) => b.readUInt32LE(at) + b.readUInt32LE(at + 4) * 2 ** 32;

/**
 * A switch capture's frames, in the ring file umlab's plugin (switch-tap.c)
 * fills inside the switch: the engine reads it only when someone needs its
 * frames (a packet list, an export, a frame's detail) and its header for the
 * counts, so an unwatched capture costs the engine nothing a frame.
 *
 * The file is written by the switch, which runs in the guests' sandbox:
 * every field and record is checked, and one that is not what the plugin
 * writes ends the capture (`error`). A record the plugin overwrote while it
 * was read (its offset fell below the tail) is dropped, not shown torn.
 *
 * Frames are indexed as they are read (offset, length, time, direction) and
 * their bytes read again from the file when asked for; views handed out
 * stay valid (each read is a buffer of its own).
 */
export class RingFile {
  private fd: number | null;
  /** The frames read so far, each placed at its frame's byte offset. */
  private readonly index: FrameIndex;
  /** Offset of the next record to index. */
  private end = 0;
  private last: RingHead = { head: 0, tail: 0, tailNo: 0, frames: 0, tooBig: 0 };
  private readonly headBuf = Buffer.alloc(RING_HEAD);
  /** What syncs and reused reads read into: a MiB every 15 ms while watched, whose fresh pages each time cost more than the reading. */
  private scratch: Buffer | null = null;
  private broken: string | null = null;

  /**
   * Makes the ring's file (`cap` bytes of records after the header, zeroed: the plugin writes the header as it
   * takes the ring) and opens it for reading. `port` null: frames have no direction (a whole switch's).
   */
  constructor(
    readonly path: string,
    readonly cap: number,
    private readonly port: number | null,
  ) {
    const fd = openSync(path, "wx+", 0o600);
    try {
      ftruncateSync(fd, RING_HEAD + cap);
    } catch (e) {
      closeSync(fd);
      rmSync(path, { force: true });
      throw e;
    }
    this.fd = fd;
    this.index = new FrameIndex(Math.ceil(cap / BYTES_PER_ENTRY));
  }

  /** Why the file cannot be read any longer (the plugin wrote what it never writes), or null. */
  get error(): string | null {
    return this.broken;
  }

  /** Whether the plugin has taken the ring (its header is written). */
  taken(): boolean {
    if (this.fd === null) return false;
    readSync(this.fd, this.headBuf, 0, RING_HEAD, 0);
    return this.headBuf.subarray(0, 8).equals(RING_MAGIC) && u64(this.headBuf, F.cap) === this.cap;
  }

  /** Frames the plugin kept in all, as of the last look (`look`, `sync`). */
  get count(): number {
    return this.last.frames;
  }

  /** Of them, those that left the ring. */
  get dropped(): number {
    return this.last.tailNo;
  }

  /** Bytes of frames the ring holds (headers not counted), as of the last look. */
  get size(): number {
    return Math.max(0, this.last.head - this.last.tail - TAP_HEADER * (this.last.frames - this.last.tailNo));
  }

  /** Reads the header for the counts; answers whether frames came since the last look. */
  look(): boolean {
    const before = this.last.frames;
    const h = this.readHead();
    if (h) this.last = h;
    return this.last.frames !== before;
  }

  /** The newest frame's number that is indexed. */
  get lastNo(): number {
    return this.index.nextNo - 1;
  }

  /** Indexes the records written since the last sync (all the ring holds, if it went round meanwhile). */
  sync(): void {
    const h = this.readHead();
    if (!h) return;
    this.last = h;
    this.forget(h.tail, h.tailNo);
    const target = h.head;
    const chunk = this.scratchBuffer();
    while (this.end < target && !this.broken) {
      const n = Math.min(chunk.length, target - this.end);
      this.readAt(this.end, chunk, n);
      // Bytes below the tail may have been overwritten while they were read: start again from the tail.
      const t = this.readTail();
      if (!t) return;
      if (t.tail > this.end) {
        this.forget(t.tail, t.tailNo);
        continue;
      }
      let at = 0;
      while (n - at >= TAP_HEADER) {
        const len = chunk.readUInt32LE(at + 8);
        const dir = chunk[at + 14];
        if (len === 0 || len > MAX_FRAME || dir > 1 || (this.port !== null && chunk.readUInt16LE(at + 12) !== this.port)) {
          this.broken = `the switch wrote a record of ${len} bytes, direction ${dir}, port ${chunk.readUInt16LE(at + 12)} into its ring`;
          return;
        }
        if (n - at < TAP_HEADER + len) break;
        if (this.index.full) this.index.dropOldest();
        this.index.add(this.end + at + TAP_HEADER, len, recordUsec(chunk, at), this.port === null ? DIR.none : dir === 1 ? DIR.in : DIR.out);
        at += TAP_HEADER + len;
      }
      // No whole record in what was read (a chunk holds the largest): the head is not where a record ends.
      if (at === 0) {
        this.broken = "the switch's ring ends inside a record";
        return;
      }
      this.end += at;
    }
  }

  /** Frame `no` (its bytes read now), or null when it left the ring or its index (or never was). */
  get(no: number): CapturedFrame | null {
    const slot = this.index.slotOf(no);
    if (slot < 0) return null;
    const frame = Buffer.allocUnsafe(this.index.length(slot));
    this.readAt(this.index.place(slot), frame, frame.length);
    const t = this.readTail();
    if (!t || t.tail > this.index.place(slot) - TAP_HEADER) return null;
    return this.index.frame(no, slot, frame);
  }

  /** The frames indexed after `afterNo`, oldest first (sync first for the newest). */
  since(afterNo = 0): CapturedFrame[] {
    return [...this.frames(afterNo)];
  }

  /**
   * The frames indexed after `afterNo` when asked, oldest first, read a chunk
   * at a time as they are asked for: those the plugin overwrote meanwhile
   * are left out. `reuse`: read into one buffer, each frame valid only until
   * the next is asked for (rows made at once).
   */
  *frames(afterNo = 0, reuse = false): Generator<CapturedFrame> {
    const idx = this.index;
    const last = this.lastNo;
    const oldest = () => idx.nextNo - idx.held;
    let no = Math.max(afterNo + 1, oldest());
    while (no <= last) {
      const slot = idx.slotOf(no);
      if (slot < 0) {
        // Frames that left the index meanwhile (a sync while the reader waited): on from the oldest.
        if (no < oldest()) no = oldest();
        else return;
        continue;
      }
      // The run of frames from here that fits a chunk (their records lie one after another in the file), and at most
      // one lap of the ring: an index read before the ring went round again still holds frames of the lap before.
      const from = idx.place(slot);
      const most = Math.min(CHUNK, this.cap);
      let end = from + idx.length(slot);
      let upto = no;
      for (let s = idx.slotOf(upto + 1); upto < last && s >= 0 && idx.place(s) + idx.length(s) - from <= most; s = idx.slotOf(upto + 1)) {
        end = idx.place(s) + idx.length(s);
        upto++;
      }
      const bytes = end - from;
      const chunk = reuse ? this.scratchBuffer() : Buffer.allocUnsafe(bytes);
      this.readAt(from, chunk, bytes);
      const t = this.readTail();
      if (!t) return;
      for (let n = no; n <= upto; n++) {
        const sl = idx.slotOf(n);
        if (sl < 0 || t.tail > idx.place(sl) - TAP_HEADER) continue;
        const at = idx.place(sl) - from;
        yield idx.frame(n, sl, chunk.subarray(at, at + idx.length(sl)));
      }
      no = upto + 1;
    }
  }

  /** Closes and deletes the file. */
  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    rmSync(this.path, { force: true });
  }

  private scratchBuffer(): Buffer {
    return (this.scratch ??= Buffer.allocUnsafe(Math.min(CHUNK, this.cap)));
  }

  /** Drops what lies below the plugin's tail; when the index ended there, it goes on from the tail. */
  private forget(tail: number, tailNo: number): void {
    while (this.index.held && this.index.oldestPlace - TAP_HEADER < tail) this.index.dropOldest();
    if (this.end < tail) {
      this.end = tail;
      this.index.numberFrom(tailNo + 1);
    }
  }

  /** `n` bytes from byte offset `off` of the records (round the end of the file). */
  private readAt(off: number, into: Buffer, n: number): void {
    if (this.fd === null) throw new Error("the capture's ring is closed");
    if (n > this.cap) throw new Error(`a read of ${n} bytes from a ring of ${this.cap}`);
    const at = off % this.cap;
    const first = Math.min(n, this.cap - at);
    readSync(this.fd, into, 0, first, RING_HEAD + at);
    if (first < n) readSync(this.fd, into, first, n - first, RING_HEAD);
  }

  /** The tail and its number, read between two equal, even generations: the plugin moves them together. */
  private readTail(): { tail: number; tailNo: number; frames: number; tooBig: number } | null {
    const fd = this.fd;
    if (fd === null || this.broken) return null;
    const b = this.headBuf;
    for (let i = 0; i < HEADER_TRIES; i++) {
      readSync(fd, b, 0, 8, F.gen);
      const gen = u64(b, 0);
      if (gen % 2) continue;
      readSync(fd, b, 0, RING_HEAD, 0);
      const t = { tail: u64(b, F.tail), tailNo: u64(b, F.tailNo), frames: u64(b, F.frames), tooBig: u64(b, F.tooBig) };
      const cap = u64(b, F.cap);
      readSync(fd, b, 0, 8, F.gen);
      if (u64(b, 0) !== gen) continue;
      if (cap !== this.cap) {
        this.broken = `the switch's ring says it holds ${cap} bytes, not ${this.cap}`;
        return null;
      }
      return t;
    }
    return null;
  }

  /** The header, the head read last (it only grows, and the tail never passes it). */
  private readHead(): RingHead | null {
    const t = this.readTail();
    if (!t) return null;
    readSync(this.fd!, this.headBuf, 0, 8, F.head);
    const head = u64(this.headBuf, 0);
    if (!(t.tail <= head && t.tailNo <= t.frames && head <= Number.MAX_SAFE_INTEGER && t.frames <= Number.MAX_SAFE_INTEGER && t.tail >= this.last.tail && t.frames >= this.last.frames)) {
      this.broken = `the switch's ring header is not the plugin's (head ${head}, tail ${t.tail}, frames ${t.frames})`;
      return null;
    }
    return { head, ...t };
  }
}
