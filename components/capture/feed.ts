"use client";
import { useEffect, useState } from "react";
import type { CaptureInfo, CaptureRows, PacketRow } from "@/server/engine/capture/types";
import { umlabSocket } from "../client/socket";
import { RowStore } from "./rows";

/**
 * The list is drawn at most this often while rows come. Batches come about
 * every 15 ms; a render for each (one every frame, at 1,000 packets/s) kept
 * a page on a busy 2-core host drawing all the time, and each batch then
 * waited for it: drawn at most every 33 ms, the page laid out 40 % less
 * often, took its batches 8 ms sooner (p50), and had rows on screen no
 * later (docs/ARCHITECTURE.md, the live list).
 */
const RENDER_EVERY_MS = 33;

export interface Feed {
  store: RowStore;
  /** Moves when rows came. */
  version: number;
  /** The capture as the subscribe's answer gave it (the lab's live state has newer counts). */
  info: CaptureInfo | null;
  error: string | null;
}

/**
 * The live rows of one capture: subscribe (the answer holds the newest rows),
 * then batches as they come, into a capped store; again after a reconnect,
 * counting the gap as missed.
 */
export function useCaptureFeed(labId: string, captureId: string | null): Feed {
  const [store, setStore] = useState(() => new RowStore());
  const [version, setVersion] = useState(0);
  const [info, setInfo] = useState<CaptureInfo | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!captureId) return;
    const rows = new RowStore();
    setStore(rows);
    setInfo(null);
    setError(null);
    const socket = umlabSocket();
    const ref = { lab: labId, capture: captureId };
    // The first batch after a pause is drawn at once; those that come sooner than RENDER_EVERY_MS after a
    // render are drawn together when that time is up.
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last = -Infinity;
    const render = () => {
      timer = null;
      last = performance.now();
      setVersion(rows.version);
    };
    const redraw = () => {
      if (timer !== null) return;
      const wait = last + RENDER_EVERY_MS - performance.now();
      if (wait <= 0) render();
      else timer = setTimeout(render, wait);
    };
    const subscribe = () =>
      socket.emit("capture:subscribe", ref, (r) => {
        if (!r.ok) return setError(r.error);
        setError(null);
        setInfo(r.info);
        const first = Array.isArray(r.rows) && r.rows.length ? Number((r.rows[0] as PacketRow).no) : NaN;
        const last = rows.last?.no;
        // Again after a reconnect: what came in between and is not in the answer was missed.
        if (last === undefined) rows.reset(r.rows);
        else rows.append(r.rows, first > last + 1 ? first - last - 1 : 0);
        redraw();
      });
    const onRows = (b: CaptureRows) => {
      if (b?.lab !== labId || b.capture !== captureId) return;
      if (rows.append(b.rows, b.missed) || b.missed) redraw();
    };
    socket.on("capture:rows", onRows);
    socket.on("connect", subscribe);
    subscribe();
    return () => {
      if (timer !== null) clearTimeout(timer);
      socket.off("capture:rows", onRows);
      socket.off("connect", subscribe);
      socket.emit("capture:unsubscribe", ref);
    };
  }, [labId, captureId]);

  return { store, version, info, error };
}
