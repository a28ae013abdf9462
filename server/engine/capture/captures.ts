import { EventEmitter } from "node:events";
import { writeFile } from "node:fs/promises";
import type { Lab } from "../../model/lab";
import type { SwitchProcess } from "../switch/switch-process";
import { lineName, sameLine } from "../../model/serial";
import { cableOf, cableRow, cableText, sameCable, type CableListener } from "./cable-capture";
import { writePcapng } from "./pcapng";
import { CaptureRing, type CapturedFrame } from "./ring";
import { summarize } from "./summary";
import { MAX_ROWS_PER_BATCH, RING_MIB, type CaptureInfo, type CaptureRequest, type CaptureTarget, type PacketRow } from "./types";
import type { RingFile } from "./ring-file";
import { ringOnSwitch, switchPortOf } from "./switch-rings";

/** A capture that cannot be made or found: the request conflicts with the lab (409). */
export class CaptureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CaptureError";
  }
}

/** Captures a lab may hold at once, running or stopped: each holds up to its ring of memory. */
export const MAX_CAPTURES = 16;
// A row waits at most this long in the engine: the live list's frame-to-row time is mostly this and the page's next frame.
const ROWS_EVERY_MS = 15;
// How often a switch capture nobody watches is looked at: its counts, and whether its switch still runs.
const COUNTS_EVERY_MS = 1000;

/** Where a capture's frames are: the engine's ring (a cable's), or the ring file its switch fills. */
type Frames = Pick<CaptureRing, "count" | "dropped" | "size" | "since" | "frames">;

interface Capture {
  info: CaptureInfo;
  ring: Frames;
  /** A switch capture's ring, which the switch fills and the engine reads when frames are needed. */
  file: RingFile | null;
  /** Its switch: a switch that ended ends the capture. */
  sw: SwitchProcess | null;
  /** Someone views its rows (watch): else none are made, and a switch capture costs the engine nothing a frame. */
  watched: boolean;
  /** Frames not yet sent as rows, by number: the newest MAX_ROWS_PER_BATCH, and how many older ones were skipped. */
  pending: number[];
  skipped: number;
  /** Its frames as rows: Ethernet's light parse, or a cable's bytes. */
  rowOf: (f: CapturedFrame) => PacketRow;
  /** A cable's capture exports as text, not pcapng. */
  text: ((frames: CapturedFrame[]) => string) | null;
  /** Ends what feeds it (the switch's plugin, a cable's listener). */
  detach: () => Promise<void>;
}

export interface CaptureHost {
  readonly lab: Lab;
  /** The lab's serial lines: "cable-bytes" events (CableListener). */
  readonly serial: EventEmitter;
  readonly switches: ReadonlyMap<string, SwitchProcess>;
  readonly paths: { readonly run: string };
}

const frameRow = (f: CapturedFrame): PacketRow => ({ no: f.no, usec: f.usec, ...summarize(f.frame), ...(f.inbound === undefined ? {} : { dir: f.inbound ? "in" : "out" }) });
// The wall clock at µs resolution that never steps back within a run: the monotonic clock from a start read off the wall clock.
const CLOCK_BASE = Date.now() * 1000 - Math.floor(performance.now() * 1000);
const nowUsec = () => CLOCK_BASE + Math.floor(performance.now() * 1000);

/**
 * The captures of one running lab, rootless: a vde switch or hub, and a
 * link (the node's port on its switch), through umlab's plugin inside the
 * switch, which fills a ring file for each (switch-rings.ts, ring-file.ts),
 * and a serial cable, through the engine that carries its bytes. Each holds
 * its frames in a ring of the size its user chose. Events:
 * "rows" (capture id, PacketRow[], skipped: for a watched capture, every 15 ms while frames come,
 * the newest MAX_ROWS_PER_BATCH, and how many older ones had no row) and
 * "change" (CaptureInfo[]: at once on a start or stop, at most every second
 * for the counts).
 */
export class Captures extends EventEmitter {
  private readonly all = new Map<string, Capture>();
  private next = 1;
  private rowsTimer: NodeJS.Timeout | null = null;
  private countsTimer: NodeJS.Timeout | null = null;
  /** Looks at the switch captures' rings: every ROWS_EVERY_MS while one is watched, else every COUNTS_EVERY_MS. */
  private lookTimer: NodeJS.Timeout | null = null;
  private lookedAt = 0;

  constructor(private readonly host: CaptureHost) {
    super();
  }

  list(): CaptureInfo[] {
    return [...this.all.values()].map((c) => ({ ...c.info, packets: c.ring.count, dropped: c.ring.dropped, bytes: c.ring.size }));
  }

  async start(req: CaptureRequest): Promise<CaptureInfo> {
    if (this.all.size >= MAX_CAPTURES) throw new CaptureError(`lab ${this.host.lab.name} has ${MAX_CAPTURES} captures, the most it keeps: delete one first`);
    const ringMiB = req.ringMiB ?? RING_MIB.default;
    const id = `c${this.next++}`;
    const t = req.target;
    const label = t.kind === "switch" ? `${this.host.switches.get(t.name)?.sw.mode === "hub" ? "hub" : "switch"} ${t.name}` : t.kind === "link" ? `link ${t.node}.${t.iface}` : this.cableLabel(t.line);
    const c: Capture = {
      info: { id, target: t, label, state: "running", started: Date.now(), packets: 0, dropped: 0, bytes: 0, ringMiB, error: null },
      ring: new CaptureRing(ringMiB * 1024 * 1024),
      file: null,
      sw: null,
      watched: false,
      pending: [],
      skipped: 0,
      rowOf: frameRow,
      text: null,
      detach: async () => {},
    };
    if (t.kind === "cable") {
      // A cable's bytes are copied into the engine's ring as they come, a chunk at a time, and noted for their row
      // when someone views the capture; rows are made at the batch, of its newest frames only.
      const ring = c.ring as CaptureRing;
      const record = (frames: Buffer[], dir?: "in" | "out") => {
        if (!frames.length || c.info.state !== "running") return;
        const usec = nowUsec();
        for (const f of frames) {
          const no = ring.push(f, usec, dir === undefined ? undefined : dir === "in");
          if (c.watched) c.pending.push(no);
        }
        this.kept(c);
      };
      c.detach = this.attachCable(c, t.line, record);
    } else await this.attach(c, t, ringMiB * 1024 * 1024);
    this.all.set(id, c);
    this.changed();
    this.look();
    return this.info(id);
  }

  /** New frames of a capture were noted: rows soon when watched, counts in a while. */
  private kept(c: Capture): void {
    if (!c.watched) return this.scheduleCounts();
    if (c.pending.length > 2 * MAX_ROWS_PER_BATCH) {
      const over = c.pending.length - MAX_ROWS_PER_BATCH;
      c.pending.splice(0, over);
      c.skipped += over;
    }
    this.schedule();
  }

  /**
   * Whether rows of a capture are made ("rows" events): from a viewer's
   * joining (before its `recent`, so no row falls between) until the last
   * one leaves. Its frames are kept either way.
   */
  watch(id: string, on: boolean): void {
    const c = this.get(id);
    // What a switch capture's ring got until now is the viewer's `recent`, not rows.
    if (on && !c.watched) this.read(c);
    c.watched = on;
    if (!on) {
      c.pending = [];
      c.skipped = 0;
    }
    // A switch capture's rows come from looking at its ring: from now on often.
    if (on && c.file && c.info.state === "running") {
      if (this.lookTimer) clearTimeout(this.lookTimer);
      this.lookTimer = null;
      this.lookAgain(ROWS_EVERY_MS);
    }
  }

  /** The newest rows of a capture (a viewer joining), at most `limit`. */
  recent(id: string, limit = 2000): { info: CaptureInfo; rows: PacketRow[] } {
    const c = this.get(id);
    this.read(c);
    const frames = c.ring.since(Math.max(0, this.lastNo(c) - limit));
    return { info: this.info(id), rows: frames.map(c.rowOf) };
  }

  async stop(id: string): Promise<CaptureInfo> {
    await this.end(this.get(id), null);
    return this.info(id);
  }

  async remove(id: string): Promise<void> {
    const c = this.get(id);
    await this.end(c, null);
    c.file?.close();
    this.all.delete(id);
    this.changed();
  }

  /** How a capture exports: pcapng, or text for a cable's. */
  format(id: string): "pcapng" | "text" {
    return this.get(id).text ? "text" : "pcapng";
  }

  /** Writes what a capture holds to `file` (pcapng, or a cable's text); answers its size. */
  async writeExport(id: string, file: string): Promise<number> {
    const c = this.get(id);
    if (c.text) {
      const text = Buffer.from(c.text(c.ring.since()));
      await writeFile(file, text, { flag: "wx", mode: 0o600 });
      return text.length;
    }
    // Frame by frame as the file is written: the ring goes on taking frames meanwhile, and its bytes are reused.
    this.read(c);
    return writePcapng(file, `umlab ${this.host.lab.name}: ${c.info.label}`, c.info.label, c.ring.frames());
  }

  /** The lab stops: every capture ends and is forgotten with it. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.all.values()].map((c) => this.end(c, "the lab stopped")));
    for (const c of this.all.values()) c.file?.close();
    this.all.clear();
    for (const t of [this.rowsTimer, this.countsTimer, this.lookTimer]) if (t) clearTimeout(t);
    this.rowsTimer = this.countsTimer = this.lookTimer = null;
  }

  private info(id: string): CaptureInfo {
    return this.list().find((c) => c.id === id)!;
  }

  private get(id: string): Capture {
    const c = this.all.get(id);
    if (!c) throw new CaptureError(`lab ${this.host.lab.name} has no capture "${String(id).slice(0, 40)}"`);
    return c;
  }

  private cableLabel(line: string): string {
    const found = cableOf(this.host.lab.cables, line);
    if (typeof found === "string") throw new CaptureError(found);
    return `cable ${lineName(found.cable.a)}—${lineName(found.cable.b)}`;
  }

  /** A cable: the bytes each end writes into it, as the engine carries them (serial-lines.ts). */
  private attachCable(c: Capture, line: string, record: (frames: Buffer[], dir?: "in" | "out") => void): () => Promise<void> {
    const found = cableOf(this.host.lab.cables, line);
    if (typeof found === "string") throw new CaptureError(found);
    const { cable, ref } = found;
    const undelivered = new Set<number>();
    c.rowOf = (f) => cableRow(f, cable, ref, undelivered);
    c.text = (frames) => cableText(c.info.label, frames, cable, ref, undelivered);
    const listener: CableListener = (at, from, data, delivered) => {
      if (!sameCable(at, cable)) return;
      record([data], sameLine(from, ref) ? "out" : "in");
      if (!delivered) undelivered.add(c.ring.count);
      // What left the ring needs no mark: keep the set as small as the ring.
      if (undelivered.size > 4096) for (const no of undelivered) if (no <= c.ring.dropped) undelivered.delete(no);
    };
    this.host.serial.on("cable-bytes", listener);
    return async () => void this.host.serial.off("cable-bytes", listener);
  }

  /**
   * Has the switch's plugin fill a ring for a capture: every frame entering
   * the switch or hub, or those in and out of a link's port, where it enters
   * the switch.
   */
  private async attach(c: Capture, t: Exclude<CaptureTarget, { kind: "cable" }>, bytes: number): Promise<void> {
    const found = switchPortOf(this.host.lab, this.host.switches, t);
    if (typeof found === "string") throw new CaptureError(found);
    const { sw, port } = found;
    try {
      const { ring, stop } = await ringOnSwitch(sw, this.host.paths.run, c.info.id, port, bytes);
      c.ring = c.file = ring;
      c.sw = sw;
      c.detach = stop;
    } catch (e) {
      throw new CaptureError(`cannot capture switch ${sw.sw.name}: ${(e as Error).message}`);
    }
  }

  /** Indexes what a switch capture's ring got since it was last read. */
  private read(c: Capture): void {
    if (!c.file) return;
    c.file.sync();
    if (c.file.error && c.info.state === "running") void this.end(c, c.file.error);
  }

  private lastNo(c: Capture): number {
    return c.file ? c.file.lastNo : c.ring.count;
  }

  /**
   * Looks at the switch captures' rings: a watched one's new frames become
   * rows; the others' counts are read from their headers; a capture whose
   * switch ended ends. Then again, soon while one is watched.
   */
  private look(): void {
    if (this.lookTimer) return;
    const running = [...this.all.values()].filter((c) => c.file && c.info.state === "running");
    if (!running.length) return;
    const counts = performance.now() - this.lookedAt >= COUNTS_EVERY_MS;
    if (counts) this.lookedAt = performance.now();
    let changed = false;
    for (const c of running) {
      const file = c.file!;
      if (!c.sw?.running) {
        void this.end(c, `switch ${c.sw?.sw.name ?? ""} stopped`);
        continue;
      }
      if (c.watched) {
        const before = file.lastNo;
        this.read(c);
        // Rows for the newest only: the older ones of a flood are counted as skipped.
        const from = Math.max(before + 1, file.lastNo - 2 * MAX_ROWS_PER_BATCH + 1);
        c.skipped += from - (before + 1);
        for (let no = from; no <= file.lastNo; no++) c.pending.push(no);
        if (file.lastNo > before) this.kept(c);
      } else if (counts && file.look()) changed = true;
    }
    if (changed) this.scheduleCounts();
    this.lookAgain(running.some((c) => c.watched) ? ROWS_EVERY_MS : COUNTS_EVERY_MS);
  }

  private lookAgain(ms: number): void {
    this.lookTimer = setTimeout(() => {
      this.lookTimer = null;
      this.look();
    }, ms);
  }

  /** Stops what feeds a capture; its frames stay. `why`: it ended by itself. */
  private async end(c: Capture, why: string | null): Promise<void> {
    if (c.info.state !== "running") return;
    c.info.state = "stopped";
    c.info.error = why;
    await c.detach().catch(() => {});
    // Its last counts (a switch capture's are read from its ring now and then).
    c.file?.look();
    this.flushRows();
    this.changed();
  }

  private schedule(): void {
    this.rowsTimer ??= setTimeout(() => this.flushRows(), ROWS_EVERY_MS);
    this.scheduleCounts();
  }

  private scheduleCounts(): void {
    this.countsTimer ??= setTimeout(() => this.changed(), COUNTS_EVERY_MS);
  }

  private flushRows(): void {
    if (this.rowsTimer) clearTimeout(this.rowsTimer);
    this.rowsTimer = null;
    for (const c of this.all.values())
      if (c.pending.length) {
        const nos = c.pending.slice(-MAX_ROWS_PER_BATCH);
        // A frame that left the ring before its row was made (a tiny ring, a flood) counts as skipped. Numbers come in
        // order, one after the other: read as a run.
        const wanted = new Set(nos);
        // A ring file's frames are read into one buffer, each valid until the next: its row is made at once.
        const rows: PacketRow[] = [];
        for (const f of c.file ? c.file.frames(nos[0] - 1, true) : c.ring.frames(nos[0] - 1)) if (wanted.has(f.no)) rows.push(c.rowOf(f));
        const skipped = c.skipped + c.pending.length - rows.length;
        c.pending = [];
        c.skipped = 0;
        this.emit("rows", c.info.id, rows, skipped);
      }
  }

  private changed(): void {
    if (this.countsTimer) clearTimeout(this.countsTimer);
    this.countsTimer = null;
    this.emit("change", this.list());
  }
}
