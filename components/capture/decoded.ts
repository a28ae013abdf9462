"use client";
import { useCallback, useEffect, useRef, useState } from "react";
import type { PacketRow } from "@/server/engine/capture/types";
import { api } from "../client/api";
import type { FrameDetail, MatchedFrame } from "./decoder";
import { pageDecoder } from "./decoder-client";
import { firstNumber, type IndexedFrame } from "./pcapng-index";
import { rowByNumber } from "./pcapng-index";
import type { RowStore } from "./rows";

/** A capture's pcapng as loaded into the decoder: its frames are the capture's numbers firstNo… */
export interface LoadedFile {
  firstNo: number;
  lastNo: number;
  frames: IndexedFrame[];
}

export interface Filtered {
  expr: string;
  /** Frames Wireshark kept in all (the list holds the newest of them). */
  matched: number;
  rows: PacketRow[];
  /** The newest capture number the file held when filtered. */
  asOf: number;
}

/** Bytes of pcapng the page fetches at most: a ring of the largest size allowed and its block overhead. */
const MAX_FILE = 300 * 2 ** 20;

/** A row for a frame the filter kept that the page has no row of (the viewer missed it): Wireshark's columns. */
function fromColumns(m: MatchedFrame, no: number, f: IndexedFrame | undefined): PacketRow {
  const [, src = "", dst = "", protocol = "", length = "", info = ""] = m.columns;
  return { no, usec: f?.usec ?? 0, src, dst, protocol, length: Number(length) || f?.length || 0, info, malformed: info.includes("[Malformed Packet") };
}

/**
 * Wireshark's view of a capture, beside the live rows: the pcapng fetched
 * and loaded whole into the page's decoder (wiregasm has no append) on
 * refresh, on a filter, and when a packet newer than the file is opened;
 * display filters; the selected packet's tree and bytes. `firstHeld` gives
 * the capture's first held number (dropped + 1) for a file whose first
 * frames no row lines up with.
 */
export function useDecoded(labId: string, captureId: string | null, store: RowStore, firstHeld: () => number) {
  const [file, setFile] = useState<LoadedFile | null>(null);
  const [filtered, setFiltered] = useState<Filtered | null>(null);
  const [detail, setDetail] = useState<{ no: number; frame: FrameDetail } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fileRef = useRef<LoadedFile | null>(null);
  const filterRef = useRef<string>("");
  // Requests in order: a load in flight is awaited by what comes after it.
  const chain = useRef<Promise<unknown>>(Promise.resolve());
  const live = useRef(0);

  useEffect(() => {
    live.current++;
    fileRef.current = null;
    filterRef.current = "";
    setFile(null);
    setFiltered(null);
    setDetail(null);
    setError(null);
  }, [captureId]);

  const queue = useCallback(<T,>(label: string, fn: (gen: number) => Promise<T>): Promise<T | null> => {
    const gen = live.current;
    const run = chain.current.then(async () => {
      if (gen !== live.current) return null;
      setBusy(label);
      try {
        return await fn(gen);
      } catch (e) {
        if (gen === live.current) setError((e as Error).message);
        return null;
      } finally {
        setBusy(null);
      }
    });
    chain.current = run;
    return run;
  }, []);

  const load = useCallback(
    async (gen: number): Promise<LoadedFile | null> => {
      if (!captureId) return null;
      const res = await fetch(api.pcapUrl(labId, captureId));
      if (!res.ok) throw new Error(`the capture's pcapng: HTTP ${res.status}`);
      if (Number(res.headers.get("content-length") ?? 0) > MAX_FILE) throw new Error("the capture's pcapng is larger than the page takes");
      const bytes = await res.arrayBuffer();
      if (bytes.byteLength > MAX_FILE) throw new Error("the capture's pcapng is larger than the page takes");
      const r = await pageDecoder().load(bytes);
      if (gen !== live.current) return null;
      const firstNo = firstNumber(r.frames, store.rows, firstHeld());
      const f: LoadedFile = { firstNo, lastNo: firstNo + r.count - 1, frames: r.frames };
      fileRef.current = f;
      setFile(f);
      setError(null);
      return f;
    },
    [labId, captureId, store, firstHeld],
  );

  const runFilter = useCallback(
    async (gen: number, expr: string, f: LoadedFile) => {
      const r = await pageDecoder().filter(expr);
      if (gen !== live.current) return;
      const rows = r.frames.map((m) => {
        const no = f.firstNo + m.number - 1;
        return rowByNumber(store.rows, no) ?? fromColumns(m, no, f.frames[m.number - 1]);
      });
      setFiltered({ expr, matched: r.matched, rows, asOf: f.lastNo });
    },
    [store],
  );

  /** The newest frames: fetch and load again, and filter again if a filter is on. */
  const refresh = useCallback(
    () =>
      queue("loading the capture", async (gen) => {
        const f = await load(gen);
        if (f && filterRef.current) await runFilter(gen, filterRef.current, f);
        return f;
      }),
    [queue, load, runFilter],
  );

  /** A display filter (Wireshark's syntax); "" shows every row again. An error in it is shown, the list stays as it was. */
  const applyFilter = useCallback(
    (expr: string) =>
      queue(`filtering: ${expr}`, async (gen) => {
        expr = expr.trim();
        if (!expr) {
          filterRef.current = "";
          setFiltered(null);
          return;
        }
        const problem = await pageDecoder().check(expr);
        if (problem) throw new Error(`${expr}: ${problem}`);
        filterRef.current = expr;
        const f = await load(gen);
        if (f) await runFilter(gen, expr, f);
      }),
    [queue, load, runFilter],
  );

  /** Opens packet `no`: its tree and bytes (the file is fetched again when it does not hold it yet). */
  const select = useCallback(
    (no: number) =>
      queue(`decoding packet ${no}`, async (gen) => {
        let f = fileRef.current;
        if (!f || no > f.lastNo) f = await load(gen);
        if (!f) return;
        if (no < f.firstNo) throw new Error(`packet ${no} has left the capture's ring (it holds ${f.firstNo}…${f.lastNo}): only its summary row is left`);
        if (no > f.lastNo) throw new Error(`packet ${no} is not in the capture yet`);
        const frame = await pageDecoder().frame(no - f.firstNo + 1);
        if (gen === live.current) setDetail({ no, frame });
      }),
    [queue, load],
  );

  return { file, filtered, detail, busy, error, refresh, applyFilter, select, clearDetail: () => setDetail(null), dismissError: () => setError(null) };
}
