"use client";
import { memo, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from "react";
import type { PacketRow } from "@/server/engine/capture/types";
import { relativeTime } from "./rows";

export const ROW_HEIGHT = 20;
/** Rows drawn above and below the visible ones, so a quick scroll shows no gap. */
const OVERSCAN = 12;

/**
 * Timing hook for the capture bench (scripts/bench-capture.ts): told, at
 * the animation frame that draws them, which rows appeared at the bottom of
 * the list (their capture time, and the wall clock then). Nothing happens
 * when no probe is set.
 */
export type CaptureProbe = (e: { rows: { no: number; usec: number }[]; drawnMs: number }) => void;

/**
 * The packet list: the first `count` of `rows`, virtualised (only the rows
 * in view are in the DOM, so 100,000 scroll as smoothly as 100), following
 * the newest while `follow` is on; scrolling up turns following off.
 */
export function PacketList({
  rows,
  count,
  version,
  startMs,
  selected,
  onSelect,
  follow,
  onUnfollow,
}: {
  rows: readonly PacketRow[];
  count: number;
  version: number;
  startMs: number;
  selected: number | null;
  onSelect: (no: number) => void;
  follow: boolean;
  onUnfollow: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 400 });
  const reported = useRef(0);
  /** Where following last put the scroll: a scroll above it is the user's. */
  const placed = useRef(0);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setView({ top: el.scrollTop, height: el.clientHeight }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Following: the newest rows are drawn from the count alone, and the
  // scroll moves with the commit that adds them, before the browser paints
  // it: one layout and one paint a batch (moved at the next frame, each batch
  // was painted twice, and its rows came into view a frame late).
  const top = follow ? Math.max(0, count * ROW_HEIGHT - view.height) : view.top;
  useLayoutEffect(() => {
    const el = ref.current;
    if (!follow || !el) return;
    placed.current = Math.max(0, count * ROW_HEIGHT - el.clientHeight);
    el.scrollTop = placed.current;
  }, [count, version, follow]);

  // Before the browser paints this commit: the animation frame asked for here is the one that draws it.
  useLayoutEffect(() => {
    const probe = (globalThis as { __umlabCaptureProbe?: CaptureProbe }).__umlabCaptureProbe;
    const last = count ? rows[count - 1] : undefined;
    if (!probe || !last || last.no <= reported.current) return;
    const fresh: { no: number; usec: number }[] = [];
    for (let i = count - 1; i >= 0 && rows[i].no > reported.current && fresh.length < 2000; i--) fresh.push({ no: rows[i].no, usec: rows[i].usec });
    reported.current = last.no;
    requestAnimationFrame(() => probe({ rows: fresh, drawnMs: performance.timeOrigin + performance.now() }));
  }, [rows, count, version]);

  const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(count, Math.ceil((top + view.height) / ROW_HEIGHT) + OVERSCAN);
  const shown: PacketRow[] = [];
  for (let i = first; i < last; i++) shown.push(rows[i]);

  const onKey = (e: KeyboardEvent) => {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    e.preventDefault();
    const at = selected === null ? -1 : indexOf(rows, count, selected);
    const next = Math.min(count - 1, Math.max(0, at + (e.key === "ArrowDown" ? 1 : -1)));
    if (next >= 0 && rows[next]) {
      onSelect(rows[next].no);
      const el = ref.current!;
      if (next * ROW_HEIGHT < el.scrollTop) el.scrollTop = next * ROW_HEIGHT;
      else if ((next + 1) * ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = (next + 1) * ROW_HEIGHT - el.clientHeight;
    }
  };

  return (
    <div className="packet-list" role="grid" aria-label="Packets" aria-rowcount={count}>
      <div className="packet-row head" role="row">
        <span role="columnheader">No.</span>
        <span role="columnheader">Time</span>
        <span role="columnheader">Source</span>
        <span role="columnheader">Destination</span>
        <span role="columnheader">Protocol</span>
        <span role="columnheader">Length</span>
        <span role="columnheader">Info</span>
      </div>
      <div className="packet-scroll-box">
        <div
          className="packet-scroll"
          ref={ref}
          tabIndex={0}
          onKeyDown={onKey}
          onScroll={(e) => {
            const el = e.currentTarget;
            if (follow && el.scrollTop >= placed.current - ROW_HEIGHT) return;
            setView({ top: el.scrollTop, height: el.clientHeight });
            if (follow) onUnfollow();
          }}
        >
          <div style={{ height: count * ROW_HEIGHT, position: "relative" }}>
            {shown.map((r, i) => (
              // Keyed by number: while the list follows a capture, a row in view keeps its element, place and text,
              // and a batch makes elements for its new rows only (reusing elements by slot gave every row in view
              // new text at every batch: the browser shaped and laid out them all again, 40 times a second).
              <Row key={r.no} row={r} top={(first + i) * ROW_HEIGHT} startMs={startMs} selected={r.no === selected} onSelect={onSelect} />
            ))}
          </div>
        </div>
      </div>
    </div>
  );
}

/** Where row `no` is among the first `count` rows (sorted by number), or -1. */
function indexOf(rows: readonly PacketRow[], count: number, no: number): number {
  let lo = 0;
  let hi = count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid].no === no) return mid;
    if (rows[mid].no < no) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

const DIR = { in: "→ node", out: "node →" } as const;

const Row = memo(function Row({ row, top, startMs, selected, onSelect }: { row: PacketRow; top: number; startMs: number; selected: boolean; onSelect: (no: number) => void }) {
  return (
    <div
      role="row"
      data-testid="packet-row"
      data-no={row.no}
      data-protocol={row.protocol}
      aria-selected={selected}
      className={`packet-row proto-${row.protocol.toLowerCase().replace(/[^a-z0-9]/g, "")}${row.malformed ? " malformed" : ""}${selected ? " selected" : ""}`}
      style={{ top }}
      title={row.dir ? DIR[row.dir] : undefined}
      onClick={() => onSelect(row.no)}
    >
      <span>{row.no}</span>
      <span>{relativeTime(row.usec, startMs)}</span>
      <span>{row.src}</span>
      <span>{row.dst}</span>
      <span>{row.protocol}</span>
      <span>{row.length}</span>
      <span title={row.info}>{row.malformed && !row.info.includes("Malformed") ? `[Malformed] ${row.info}` : row.info}</span>
    </div>
  );
});
