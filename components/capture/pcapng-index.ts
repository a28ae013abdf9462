/**
 * The frames of a pcapng file as the browser received it: each enhanced
 * packet's time and length, in file order (wiregasm's frame k is entry k-1).
 * The file comes from the server, so nothing in it is trusted: a damaged
 * block ends the walk with what was read before it, and the count is capped.
 */
export interface IndexedFrame {
  /** µs since the epoch (the interface's default resolution, which umlab's files use). */
  usec: number;
  /** Bytes captured. */
  length: number;
}

export const MAX_INDEXED_FRAMES = 1_000_000;

const EPB = 0x00000006;
const SHB = 0x0a0d0d0a;

/** `end`: the bytes up to the end of the last whole block read (what a reader can be given). */
export function indexPcapng(bytes: Uint8Array): { frames: IndexedFrame[]; damaged: boolean; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: IndexedFrame[] = [];
  if (bytes.length < 12 || view.getUint32(0, true) !== SHB) return { frames, damaged: bytes.length > 0, end: 0 };
  let at = 0;
  while (at + 12 <= bytes.length && frames.length < MAX_INDEXED_FRAMES) {
    const type = view.getUint32(at, true);
    const total = view.getUint32(at + 4, true);
    if (total < 12 || total % 4 !== 0 || at + total > bytes.length || view.getUint32(at + total - 4, true) !== total) return { frames, damaged: true, end: at };
    if (type === EPB) {
      if (total < 32) return { frames, damaged: true, end: at };
      const usec = view.getUint32(at + 12, true) * 2 ** 32 + view.getUint32(at + 16, true);
      frames.push({ usec, length: view.getUint32(at + 20, true) });
    }
    at += total;
  }
  return { frames, damaged: at < bytes.length && frames.length < MAX_INDEXED_FRAMES, end: at };
}

/** What frame-map needs of a row: its number, time and length. */
export interface RowKey {
  no: number;
  usec: number;
  length: number;
}

/** How many of a file's first frames must agree with the rows to take their numbers. */
const AGREE = 8;

/** The row numbered `no` in `rows` (sorted by number, with gaps), by bisection. */
export function rowByNumber<T extends { no: number }>(rows: readonly T[], no: number): T | undefined {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const n = rows[mid].no;
    if (n === no) return rows[mid];
    if (n < no) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/**
 * The capture number of the file's first frame. The ring drops its oldest
 * frames, so the file holds a run of consecutive numbers whose start the
 * file does not say: find where its first frames' times and lengths line up
 * with the rows held (sorted by number), or take `fallback` (the capture's
 * dropped count + 1 when the file was asked for).
 */
export function firstNumber(frames: readonly IndexedFrame[], rows: readonly RowKey[], fallback: number): number {
  if (!frames.length) return fallback;
  const head = frames[0];
  for (const c of rows) {
    if (c.usec !== head.usec || c.length !== head.length) continue;
    let ok = true;
    for (let k = 1; k < Math.min(AGREE, frames.length) && ok; k++) {
      const r = rowByNumber(rows, c.no + k);
      // A row the viewer never got (it fell behind) neither confirms nor refutes.
      if (r && (r.usec !== frames[k].usec || r.length !== frames[k].length)) ok = false;
    }
    if (ok) return c.no;
  }
  return fallback;
}
