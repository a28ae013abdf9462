"use client";
import "./capture.css";
import { useCallback, useEffect, useMemo, useState } from "react";
import type { CaptureInfo, PacketRow } from "@/server/engine/capture/types";
import { api } from "../client/api";
import type { Act } from "../topology/menu-items";
import { useTopology } from "../topology/store";
import { useDecoded } from "./decoded";
import { pageDecoder } from "./decoder-client";
import { useCaptureFeed } from "./feed";
import { PacketDetail } from "./PacketDetail";
import { PacketList } from "./PacketList";
import { useCaptureView } from "./view-store";

/** How often, at most, a filtered list of a running capture is brought up to date. */
const REFILTER_MS = 2000;

/** The capture panel beside the canvas, when a capture is shown (its right-click menu's "Show capture"). */
export function CapturePanel({ labId, act }: { labId: string; act: Act }) {
  const shown = useCaptureView((s) => (s.shown?.lab === labId ? s.shown.id : null));
  if (!shown) return null;
  return <CaptureView key={shown} labId={labId} id={shown} act={act} />;
}

/** How many of `rows` (sorted by number) are numbered `no` or less. */
function countUpTo(rows: readonly PacketRow[], no: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid].no <= no) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function CaptureView({ labId, id, act }: { labId: string; id: string; act: Act }) {
  const captures = useTopology((s) => s.captures);
  const labRunning = useTopology((s) => s.running);
  const feed = useCaptureFeed(labId, id);
  const live = captures.find((c) => c.id === id) ?? feed.info;
  // Captures end with their lab: what the subscribe said is not true any more.
  const info: CaptureInfo | null = live && !labRunning && live.state === "running" ? { ...live, state: "stopped", error: "the lab stopped" } : live;
  const firstHeld = useCallback(() => (info?.dropped ?? 0) + 1, [info?.dropped]);
  const d = useDecoded(labId, id, feed.store, firstHeld);
  const [paused, setPaused] = useState<number | null>(null);
  const [follow, setFollow] = useState(true);
  const [expr, setExpr] = useState("");
  const [selected, setSelected] = useState<number | null>(null);

  const rows = d.filtered ? d.filtered.rows : feed.store.rows;
  const count = paused === null ? rows.length : countUpTo(rows, paused);
  const newest = feed.store.last?.no ?? 0;
  const running = info?.state === "running";

  // A filtered list of a running capture, brought up to date now and then (wiregasm reads the whole file again).
  const { filtered, busy, refresh } = d;
  useEffect(() => {
    if (!filtered || !running || paused !== null || busy || newest <= filtered.asOf) return;
    const t = setTimeout(() => void refresh(), REFILTER_MS);
    return () => clearTimeout(t);
  }, [filtered, running, paused, busy, newest, refresh]);

  // The decoder starts as the view opens (fetching and compiling the wasm takes seconds): warm by the first click.
  useEffect(() => void pageDecoder().check("").catch(() => {}), []);

  // A serial cable's capture is text (what each end wrote), not frames: no dissectors, no filters.
  const cable = info?.target.kind === "cable";
  // Stable across renders: the list's rows are memoised, and a new function would draw every row again at every batch.
  const select = d.select;
  const choose = useCallback(
    (no: number) => {
      setSelected(no);
      if (!cable) void select(no);
    },
    [cable, select],
  );
  const selectedRow = cable && selected !== null ? feed.store.rows.find((r) => r.no === selected) : undefined;
  const others = useMemo(() => captures.filter((c) => c.id !== id), [captures, id]);
  const remove = () => {
    if (!window.confirm(`Delete the capture of ${info?.label ?? id}? Its frames are gone for good (download them first).`)) return;
    void act(`deleting the capture of ${info?.label ?? id}`, async () => {
      await api.deleteCapture(labId, id);
      useCaptureView.getState().hide();
    });
  };

  return (
    <section className="capture-pane" aria-label="Capture" data-testid="capture-panel" data-capture={id}>
      <header>
        <strong>Capture</strong>
        {others.length > 0 ? (
          <select aria-label="Capture shown" value={id} onChange={(e) => useCaptureView.getState().show(labId, e.target.value)}>
            {captures.map((c) => (
              <option key={c.id} value={c.id}>
                {c.label} ({c.state})
              </option>
            ))}
          </select>
        ) : (
          <span className="label">{info?.label ?? id}</span>
        )}
        <span className={`badge ${running ? "running" : "stopped"}`} data-testid="capture-state">
          {info?.state ?? "…"}
        </span>
        <span className="spacer" />
        <button type="button" className="link" onClick={() => useCaptureView.getState().hide()}>
          close
        </button>
      </header>
      <div className="capture-bar">
        <button type="button" aria-pressed={paused !== null} title="Freeze the list (packets keep coming and are shown on resume)" onClick={() => setPaused((p) => (p === null ? newest : null))}>
          {paused === null ? "Pause" : "Resume"}
        </button>
        <label className="check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Auto-scroll
        </label>
        {running && (
          <button type="button" onClick={() => act(`stopping the capture of ${info?.label ?? id}`, () => api.stopCapture(labId, id))}>
            Stop
          </button>
        )}
        <a
          className="button"
          href={api.pcapUrl(labId, id)}
          download={`${(info?.label ?? id).replace(/[^a-zA-Z0-9.-]+/g, "-")}.${cable ? "txt" : "pcapng"}`}
          title={cable ? "What each end wrote, with its time and direction, as text" : "The frames the capture holds, for Wireshark or tshark (while it runs too)"}
        >
          {cable ? "Download text" : "Download pcapng"}
        </a>
        {!cable && (
          <button type="button" title="Decode the newest frames again (Wireshark reads the whole capture)" disabled={!!d.busy} onClick={() => void d.refresh()}>
            Refresh
          </button>
        )}
        <button type="button" className="link danger" onClick={remove}>
          delete
        </button>
      </div>
      {!cable && (
        <form
          className="capture-filter"
          onSubmit={(e) => {
            e.preventDefault();
            setSelected(null);
            d.clearDetail();
            void d.applyFilter(expr);
          }}
        >
          <input aria-label="Display filter" placeholder="Wireshark display filter, e.g. icmp.type == 8" value={expr} spellCheck={false} onChange={(e) => setExpr(e.target.value)} />
          <button type="submit" className="primary" disabled={!!d.busy}>
            Apply
          </button>
          {d.filtered && (
            <button
              type="button"
              onClick={() => {
                setExpr("");
                void d.applyFilter("");
              }}
            >
              Clear
            </button>
          )}
        </form>
      )}
      <p className="capture-status" data-testid="capture-status">
        {info ? `${info.packets} packets` : `${newest} packets`}
        {info && info.dropped > 0 && ` · ${info.dropped} left the ring (${info.ringMiB} MiB)`}
        {d.filtered && ` · filter "${d.filtered.expr}": ${d.filtered.matched} shown${d.filtered.asOf < newest ? `, as of packet ${d.filtered.asOf}` : ""}`}
        {paused !== null && ` · paused at ${paused}${newest > paused ? ` (${newest - paused} more)` : ""}`}
        {d.busy && <span className="busy"> · {d.busy}…</span>}
      </p>
      {(feed.store.missed > 0 || feed.store.evicted > 0) && (
        <p className="capture-note" role="status" data-testid="capture-missed">
          {feed.store.missed > 0 && `${feed.store.missed} rows skipped: this page fell behind the capture (the pcapng has them while the ring does). `}
          {feed.store.evicted > 0 && `The list keeps the newest ${feed.store.cap.toLocaleString()} rows.`}
        </p>
      )}
      {info?.error && <p className="error">{info.error}</p>}
      {(feed.error || d.error) && (
        <p className="error" role="alert">
          {feed.error ?? d.error}
        </p>
      )}
      <PacketList rows={rows} count={count} version={feed.version} startMs={info?.started ?? 0} selected={selected} onSelect={choose} follow={follow} onUnfollow={() => setFollow(false)} />
      <div className="capture-detail">
        {selectedRow ? (
          <p className="cable-chunk" data-testid="cable-chunk">
            {selectedRow.src} → {selectedRow.dst}, {selectedRow.length} bytes: <code>{selectedRow.info}</code>
          </p>
        ) : d.detail && d.detail.no === selected ? (
          <PacketDetail key={d.detail.no} no={d.detail.no} frame={d.detail.frame} />
        ) : (
          <p className="empty">{selected === null ? "Select a packet to see it as Wireshark dissects it." : `Decoding packet ${selected}…`}</p>
        )}
      </div>
    </section>
  );
}
