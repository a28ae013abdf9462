"use client";
import { useEffect, useRef, useState } from "react";
import type { Socket } from "socket.io-client";
import type { CaptureInfo, CaptureRows, PacketRow } from "@/server/engine/capture/types";
import { umlabSocket } from "../client/socket";
import { RowStore } from "./rows";

// The capture events of server/realtime/protocol.ts, as the engine side specifies them.
type SubscribeReply = { ok: true; info: CaptureInfo; rows: PacketRow[] } | { ok: false; error: string };
interface CaptureClientEvents {
  "capture:subscribe": (ref: { lab: string; capture: string }, ack: (r: SubscribeReply) => void) => void;
  "capture:unsubscribe": (ref: { lab: string; capture: string }) => void;
}
interface CaptureServerEvents {
  "capture:rows": (b: CaptureRows) => void;
}
const captureSocket = () => umlabSocket() as unknown as Socket<CaptureServerEvents, CaptureClientEvents>;

export interface Feed {
  store: RowStore;
  /** Moves when rows came (at most once a frame). */
  version: number;
  /** The capture as the subscribe's answer gave it (the lab's live state has newer counts). */
  info: CaptureInfo | null;
  error: string | null;
}

/**
 * The live rows of one capture: subscribe (the answer holds the newest rows),
 * then batches as they come, into a capped store; again after a reconnect,
 * counting the gap as missed. The page re-renders at most once a frame
 * however fast batches arrive.
 */
export function useCaptureFeed(labId: string, captureId: string | null): Feed {
  const [store, setStore] = useState(() => new RowStore());
  const [version, setVersion] = useState(0);
  const [info, setInfo] = useState<CaptureInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const frame = useRef<number | null>(null);

  useEffect(() => {
    if (!captureId) return;
    const rows = new RowStore();
    setStore(rows);
    setInfo(null);
    setError(null);
    const socket = captureSocket();
    const ref = { lab: labId, capture: captureId };
    const redraw = () => {
      if (frame.current !== null) return;
      frame.current = requestAnimationFrame(() => {
        frame.current = null;
        setVersion(rows.version);
      });
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
      socket.off("capture:rows", onRows);
      socket.off("connect", subscribe);
      socket.emit("capture:unsubscribe", ref);
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      frame.current = null;
    };
  }, [labId, captureId]);

  return { store, version, info, error };
}
