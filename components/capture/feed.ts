"use client";
import { useEffect, useState } from "react";
import type { CaptureInfo, CaptureRows, PacketRow } from "@/server/engine/capture/types";
import { umlabSocket } from "../client/socket";
import { RowStore } from "./rows";

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
    // Batches come about every 15 ms, each its own task. The first since the
    // last frame is drawn at once; those that come before the next frame are
    // drawn together at it: one render a frame at most (a render each was
    // more than a busy page could draw, and it fell behind), and no batch
    // waits a frame for nothing (each waited, and its rows were on screen a
    // frame later than they could be).
    let frame: number | null = null;
    let more = false;
    const redraw = () => {
      if (frame !== null) {
        more = true;
        return;
      }
      setVersion(rows.version);
      const next = () => {
        frame = null;
        if (!more) return;
        more = false;
        setVersion(rows.version);
        frame = requestAnimationFrame(next);
      };
      frame = requestAnimationFrame(next);
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
      if (frame !== null) cancelAnimationFrame(frame);
      socket.off("capture:rows", onRows);
      socket.off("connect", subscribe);
      socket.emit("capture:unsubscribe", ref);
    };
  }, [labId, captureId]);

  return { store, version, info, error };
}
