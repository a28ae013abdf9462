import type { Socket } from "socket.io";
import type { EngineApi } from "../engine/api";
import { MAX_ROWS_PER_BATCH, type PacketRow } from "../engine/capture/types";
import type { Principal } from "../auth/permissions";
import type { StoredLab } from "../store/lab-store";
import type { ClientToServer, ServerToClient } from "./protocol";

type IoSocket = Socket<ClientToServer, ServerToClient, Record<string, never>, { who: Principal }>;

/** Messages a viewer's connection may have queued before rows for it are skipped (and counted as missed). */
const MAX_QUEUED_PACKETS = 64;
const CAPTURE_ID = /^c\d{1,6}$/;

/**
 * The live rows of captures to the sockets that view them. A viewer that
 * falls behind (its connection's queue is long) gets the newest rows and a
 * count of the ones it missed, never an unbounded backlog: the console
 * stream's flow control again.
 */
export class CaptureViewers {
  /** By "LABID\nCAPTURE": each viewer and the rows it missed. */
  private readonly viewers = new Map<string, Map<IoSocket, number>>();

  constructor(
    private readonly engine: EngineApi,
    private readonly visible: (who: Principal, ref: string) => Promise<StoredLab | null>,
  ) {
    engine.on("capture-rows", (lab: string, capture: string, rows: PacketRow[], missed: number) => this.rows(lab, capture, rows, missed ?? 0));
  }

  /** The events of one socket. */
  serve(socket: IoSocket, who: Principal): void {
    const mine = new Set<string>();
    socket.on("capture:subscribe", async (ref, ack) => {
      const reply = typeof ack === "function" ? ack : () => {};
      if (!ref || typeof ref.lab !== "string" || typeof ref.capture !== "string" || !CAPTURE_ID.test(ref.capture)) return reply({ ok: false, error: "expected { lab, capture }" });
      try {
        const s = await this.visible(who, ref.lab);
        if (!s) return reply({ ok: false, error: `no lab "${ref.lab.slice(0, 60)}"` });
        const key = `${s.id}\n${ref.capture}`;
        // Watching before the recent rows are read: a row after the read comes as an event, the page drops those it has by number.
        // The engine is told each time (it makes rows only for a watched capture): a capture of a lab started again has the old one's id.
        await this.engine.watchCapture(s.id, ref.capture, true);
        if (!this.viewers.has(key)) this.viewers.set(key, new Map());
        this.viewers.get(key)!.set(socket, 0);
        mine.add(key);
        const { info, rows } = await this.engine.captureRecent(s.id, ref.capture);
        reply({ ok: true, lab: s.id, info, rows });
      } catch (e) {
        reply({ ok: false, error: (e as Error).message });
      }
    });
    socket.on("capture:unsubscribe", (ref) => {
      if (!ref || typeof ref.lab !== "string" || typeof ref.capture !== "string") return;
      // By id, as subscribe answered it; a name was never a key here.
      const key = `${ref.lab}\n${ref.capture}`;
      this.drop(socket, key);
      mine.delete(key);
    });
    socket.on("disconnect", () => {
      for (const key of mine) this.drop(socket, key);
    });
  }

  private drop(socket: IoSocket, key: string): void {
    const v = this.viewers.get(key);
    v?.delete(socket);
    if (v?.size !== 0) return;
    this.viewers.delete(key);
    const [lab, capture] = key.split("\n");
    // A capture that ended with its lab has nobody to tell.
    this.engine.watchCapture(lab, capture, false).catch(() => {});
  }

  private rows(lab: string, capture: string, rows: PacketRow[], missedUpstream: number): void {
    const v = this.viewers.get(`${lab}\n${capture}`);
    if (!v) return;
    const over = Math.max(0, rows.length - MAX_ROWS_PER_BATCH);
    const batch = over ? rows.slice(over) : rows;
    for (const [socket, missed] of v) {
      const queued = (socket.conn as unknown as { writeBuffer?: unknown[] }).writeBuffer?.length ?? 0;
      if (queued > MAX_QUEUED_PACKETS) {
        v.set(socket, missed + missedUpstream + rows.length);
        continue;
      }
      v.set(socket, 0);
      socket.emit("capture:rows", { lab, capture, rows: batch, missed: missed + missedUpstream + over });
    }
  }
}
