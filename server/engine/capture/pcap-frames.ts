import { MAX_FRAME } from "./frames";

const PCAP_HEADER = 24;
const RECORD_HEADER = 16;
/**
 * The same bytes this soon after are the same frame: the switch hands a frame
 * to the plugin as it comes in and as it leaves by each port, at once, and a
 * frame across a tapped link (capture/link-tap.ts) passes through the switch
 * twice, a relay apart.
 */
const SAME_FRAME_USEC = 50_000;
/** Records compared with: a flood's copies and a tapped link's second pass are among the last few. */
const RECENT = 32;

/**
 * Where a frame of the dump goes: `len` bytes of `buf` from `start`, the switch's time of it (µs since the
 * epoch). The bytes are valid during the call only: copy what is kept.
 */
export type FrameSink = (buf: Buffer, start: number, len: number, usec: number) => void;

/** A remembered record's bytes: most frames fit a slot of this size; a longer one is copied on its own. */
const SLOT = 2048;

/**
 * The pcap stream vde2's pdump plugin writes, read as frames, each once.
 * The plugin writes a frame when the switch takes it in and again for each
 * port it leaves by (a unicast twice, a flood once more per port), one
 * after the other, and a frame crossing a tapped link comes through the
 * switch twice: a record equal to one of the last few within 50 ms is that
 * frame again. (The same bytes sent twice that fast count once: the price of
 * not having the ports; a retransmission or a new ping differs in its
 * numbers.) Whatever comes is hostile: a header that is not pcap's, or a
 * record past the largest frame, ends the stream.
 *
 * A flood through a captured switch is tens of thousands of records a
 * second, so a chunk is read in place (the caller may reuse it once `push`
 * returns), each frame kept goes to the sink from there, and the last few
 * frames kept are remembered in fixed slots and the records in typed
 * arrays: no object and no allocation a record, one copy a frame kept.
 */
export class PcapFrames {
  private headerSeen = false;
  /** A record (or the stream's header) cut by the end of a chunk: its bytes so far. */
  private carry: Buffer | null = null;
  private broken: string | null = null;
  // The last RECENT records, round: a number of each (its length and last four bytes), its time, where its bytes are.
  private readonly keys = new Float64Array(RECENT);
  private readonly usecs = new Float64Array(RECENT);
  private readonly slotOf = new Int32Array(RECENT);
  private readonly slotUse = new Float64Array(RECENT);
  private recentNext = 0;
  private filled = 0;
  // The bytes of the last RECENT frames kept, round: a copy is remembered by its original's, not copied again.
  // A slot's use counts its rewrites, so a record whose bytes were rewritten since is not compared with.
  private readonly store = Buffer.alloc(RECENT * SLOT);
  private readonly long: (Buffer | null)[] = new Array<Buffer | null>(RECENT).fill(null);
  private readonly uses = new Float64Array(RECENT);
  private storeNext = 0;

  constructor(private readonly sink: FrameSink) {}

  get error(): string | null {
    return this.broken;
  }

  /** Reads a chunk of the stream (the caller may reuse it once this returns); answers how many frames went to the sink. */
  push(chunk: Buffer): number {
    if (this.broken) return 0;
    let at = 0;
    let kept = 0;
    // First complete what the last chunk cut (the stream's header, a record's header, then its frame), from the head of this one.
    while (this.carry && at < chunk.length) {
      const carry = this.carry;
      const want = !this.headerSeen ? PCAP_HEADER : carry.length < RECORD_HEADER ? RECORD_HEADER : RECORD_HEADER + carry.readUInt32LE(8);
      const take = Math.min(want - carry.length, chunk.length - at);
      this.carry = Buffer.concat([carry, chunk.subarray(at, at + take)]);
      at += take;
      if (this.carry.length < want) return kept;
      const whole = this.carry;
      if (!this.headerSeen) {
        this.carry = null;
        if (!this.readHeader(whole)) return kept;
      } else if (whole.length === RECORD_HEADER && want === RECORD_HEADER) {
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
      if (chunk.length - at < PCAP_HEADER) {
        this.carry = Buffer.from(chunk.subarray(at));
        return kept;
      }
      if (!this.readHeader(chunk.subarray(at, at + PCAP_HEADER))) return kept;
      at += PCAP_HEADER;
    }
    const { end, kept: more } = this.scan(chunk, at, chunk.length);
    if (!this.broken && end < chunk.length) this.carry = Buffer.from(chunk.subarray(end));
    return kept + more;
  }

  /** Little-endian µs pcap, Ethernet: what libpcap writes on this host. */
  private readHeader(h: Buffer): boolean {
    if (h.readUInt32LE(0) !== 0xa1b2c3d4 || h.readUInt32LE(20) !== 1) {
      this.broken = "not a little-endian Ethernet pcap stream";
      return false;
    }
    this.headerSeen = true;
    return true;
  }

  /** Reads the whole records of `buf` from `at` to `end`; answers where the first cut (or broken) one begins, and how many went to the sink. */
  private scan(buf: Buffer, at: number, end: number): { end: number; kept: number } {
    let kept = 0;
    while (end - at >= RECORD_HEADER) {
      const caplen = buf.readUInt32LE(at + 8);
      if (caplen === 0 || caplen > MAX_FRAME) {
        this.broken = `a record of ${caplen} bytes`;
        break;
      }
      if (end - at < RECORD_HEADER + caplen) break;
      const usec = buf.readUInt32LE(at) * 1_000_000 + buf.readUInt32LE(at + 4);
      const start = at + RECORD_HEADER;
      at = start + caplen;
      // A number first (its length and last four bytes, where checksums and payloads differ), the bytes only when it matches.
      const key = caplen * 2 ** 32 + (caplen >= 4 ? buf.readUInt32LE(start + caplen - 4) : 0);
      let twin = -1;
      for (let i = 0; i < this.filled && twin < 0; i++) {
        if (this.keys[i] !== key || usec < this.usecs[i] || usec - this.usecs[i] > SAME_FRAME_USEC) continue;
        const slot = this.slotOf[i];
        if (this.uses[slot] !== this.slotUse[i]) continue;
        const long = this.long[slot];
        if (long ? buf.compare(long, 0, caplen, start, at) === 0 : buf.compare(this.store, slot * SLOT, slot * SLOT + caplen, start, at) === 0) twin = i;
      }
      // Every record is remembered, copies too: a long flood's last copy is compared with the one before it.
      const entry = this.recentNext;
      this.recentNext = (entry + 1) % RECENT;
      this.filled = Math.max(this.filled, entry + 1);
      this.keys[entry] = key;
      this.usecs[entry] = usec;
      if (twin >= 0) {
        this.slotOf[entry] = this.slotOf[twin];
        this.slotUse[entry] = this.slotUse[twin];
        continue;
      }
      const slot = this.storeNext;
      this.storeNext = (slot + 1) % RECENT;
      this.uses[slot]++;
      if (caplen <= SLOT) {
        buf.copy(this.store, slot * SLOT, start, at);
        this.long[slot] = null;
      } else this.long[slot] = Buffer.from(buf.subarray(start, at));
      this.slotOf[entry] = slot;
      this.slotUse[entry] = this.uses[slot];
      this.sink(buf, start, caplen, usec);
      kept++;
    }
    return { end: at, kept };
  }
}
