import type { PacketRow } from "@/server/engine/capture/types";

/** Rows a viewer keeps at most: past this the oldest go (the pcapng download has them all while the ring does). */
export const MAX_ROWS = 100_000;

const cut = (v: unknown, max: number): string => (typeof v === "string" ? (v.length > max ? v.slice(0, max) : v) : "");
const whole = (v: unknown): number | null => (typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : null);

/** A row from the server as the page keeps it, or null when it is not one: every field checked, strings cut to a sane length. */
export function cleanRow(v: unknown): PacketRow | null {
  if (typeof v !== "object" || v === null) return null;
  const r = v as Record<string, unknown>;
  const no = whole(r.no);
  const usec = whole(r.usec);
  const length = whole(r.length);
  if (no === null || no < 1 || usec === null || length === null) return null;
  const row: PacketRow = {
    no,
    usec,
    src: cut(r.src, 64),
    dst: cut(r.dst, 64),
    protocol: cut(r.protocol, 24),
    length,
    info: cut(r.info, 300),
    malformed: r.malformed === true,
  };
  if (r.dir === "in" || r.dir === "out") row.dir = r.dir;
  return row;
}

/**
 * The live list's rows, oldest first, in capture order, at most `cap`:
 * batches append (a row not newer than the last is a repeat, dropped),
 * the oldest go past the cap, and rows the server skipped for this viewer
 * (it fell behind) are counted. `version` moves on every change, for React.
 */
export class RowStore {
  private list: PacketRow[] = [];
  private head = 0;
  /** Rows the server said it skipped, since the last reset. */
  missed = 0;
  /** Rows dropped here past the cap. */
  evicted = 0;
  version = 0;

  constructor(readonly cap = MAX_ROWS) {}

  get rows(): readonly PacketRow[] {
    if (this.head) {
      this.list = this.list.slice(this.head);
      this.head = 0;
    }
    return this.list;
  }

  get size(): number {
    return this.list.length - this.head;
  }

  get last(): PacketRow | undefined {
    return this.size ? this.list[this.list.length - 1] : undefined;
  }

  /** Starts over from a whole list (a subscribe's answer). */
  reset(rows: unknown[]): void {
    this.list = [];
    this.head = 0;
    this.missed = 0;
    this.evicted = 0;
    this.append(rows, 0);
  }

  /** A batch; `missed`: rows skipped before it. Returns how many rows were taken. */
  append(rows: unknown[], missed: number): number {
    if (Number.isSafeInteger(missed) && missed > 0) this.missed += missed;
    let taken = 0;
    for (const v of Array.isArray(rows) ? rows : []) {
      const row = cleanRow(v);
      const last = this.last;
      if (!row || (last && row.no <= last.no)) continue;
      this.list.push(row);
      taken++;
    }
    const over = this.size - this.cap;
    if (over > 0) {
      this.head += over;
      this.evicted += over;
      // Compact now and then rather than shifting on every row.
      if (this.head > this.cap / 4) void this.rows;
    }
    if (taken || missed > 0) this.version++;
    return taken;
  }
}

/** Seconds since `startMs` (the capture's start) to `usec`, as Wireshark's time column: 6 decimals. */
export function relativeTime(usec: number, startMs: number): string {
  const d = (usec - startMs * 1000) / 1e6;
  return (d < 0 ? 0 : d).toFixed(6);
}
