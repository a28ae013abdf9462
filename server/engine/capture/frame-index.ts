import type { CapturedFrame } from "./ring";

const FIRST_ENTRIES = 1024;
/** A frame's direction in the index: none known (a whole switch's), into the node, out of it. */
export const DIR = { none: 0, in: 1, out: 2 } as const;

/**
 * The frames a ring holds, numbered from 1, oldest first: each one's place
 * (where its bytes are, in the ring's buffer or file), length, time and
 * direction in typed arrays used round and round, grown by doubling up to
 * `maxEntries`. A flood of tens of thousands of frames a second makes no
 * object and no garbage a frame. The ring decides what leaves.
 */
export class FrameIndex {
  private places = new Float64Array(FIRST_ENTRIES);
  private lengths = new Uint32Array(FIRST_ENTRIES);
  private usecs = new Float64Array(FIRST_ENTRIES);
  private dirs = new Uint8Array(FIRST_ENTRIES);
  /** Slot of the oldest frame held, how many are held, and the oldest one's number. */
  private first = 0;
  private count = 0;
  private oldestNo = 1;

  private readonly maxEntries: number;

  /** `maxEntries`: the most it holds (never fewer than it starts with). */
  constructor(maxEntries: number) {
    this.maxEntries = Math.max(FIRST_ENTRIES, maxEntries);
  }

  get held(): number {
    return this.count;
  }

  /** The number the next frame gets; the newest held is one less. */
  get nextNo(): number {
    return this.oldestNo + this.count;
  }

  /** Room for no more: the oldest must leave before another comes. */
  get full(): boolean {
    return this.count >= this.maxEntries;
  }

  get oldestPlace(): number {
    return this.places[this.first];
  }

  get oldestLength(): number {
    return this.lengths[this.first];
  }

  /** Indexes the next frame; answers its number. */
  add(place: number, len: number, usec: number, dir: number): number {
    if (this.count === this.places.length) this.grow();
    const slot = (this.first + this.count) % this.places.length;
    this.places[slot] = place;
    this.lengths[slot] = len;
    this.usecs[slot] = usec;
    this.dirs[slot] = dir;
    this.count++;
    return this.nextNo - 1;
  }

  dropOldest(): void {
    this.first = (this.first + 1) % this.places.length;
    this.count--;
    this.oldestNo++;
    if (!this.count) this.first = 0;
  }

  /** With none held, the next frame's number is `no` (frames before it were never indexed). */
  numberFrom(no: number): void {
    if (!this.count) this.oldestNo = no;
  }

  /** Frame `no`'s slot, or -1 when it is not held. */
  slotOf(no: number): number {
    const back = no - this.oldestNo;
    if (back < 0 || back >= this.count) return -1;
    return (this.first + back) % this.places.length;
  }

  place(slot: number): number {
    return this.places[slot];
  }

  length(slot: number): number {
    return this.lengths[slot];
  }

  /** Frame `no` at `slot`, its bytes `frame`. */
  frame(no: number, slot: number, frame: Buffer): CapturedFrame {
    const dir = this.dirs[slot];
    return { no, usec: this.usecs[slot], ...(dir === DIR.none ? {} : { inbound: dir === DIR.in }), frame };
  }

  /** Twice the index, the held entries moved to its start in order. */
  private grow(): void {
    const cap = Math.min(this.maxEntries, this.places.length * 2);
    if (cap <= this.places.length) throw new Error("the frame index is full: the oldest frame must leave first");
    const unroll = <T extends Uint32Array | Float64Array | Uint8Array>(from: T, into: T): T => {
      for (let i = 0; i < this.count; i++) into[i] = from[(this.first + i) % from.length];
      return into;
    };
    this.places = unroll(this.places, new Float64Array(cap));
    this.lengths = unroll(this.lengths, new Uint32Array(cap));
    this.usecs = unroll(this.usecs, new Float64Array(cap));
    this.dirs = unroll(this.dirs, new Uint8Array(cap));
    this.first = 0;
  }
}
