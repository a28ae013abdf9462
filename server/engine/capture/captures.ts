import { EventEmitter } from "node:events";
import { writeFile } from "node:fs/promises";
import type { Lab } from "../../model/lab";
import { linkName, pluggedInto } from "../switch/link-faults";
import type { SwitchProcess } from "../switch/switch-process";
import { lineName, sameLine } from "../../model/serial";
import { cableOf, cableRow, cableText, sameCable, type CableListener } from "./cable-capture";
import { writePcapng } from "./pcapng";
import { CaptureRing, type CapturedFrame } from "./ring";
import { summarize } from "./summary";
import { MAX_ROWS_PER_BATCH, RING_MIB, type CaptureInfo, type CaptureRequest, type CaptureTarget, type PacketRow } from "./types";
import { SwitchDumps, type SwitchFeed } from "./switch-dump";

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
const COUNTS_EVERY_MS = 1000;

interface Capture {
  info: CaptureInfo;
  ring: CaptureRing;
  /** Someone views its rows (watch): else none are made, and a flood costs the engine only the ring. */
  watched: boolean;
  /** Frames not yet sent as rows, by number: the newest MAX_ROWS_PER_BATCH, and how many older ones were skipped. */
  pending: number[];
  skipped: number;
  /** Its frames as rows: Ethernet's light parse, or a cable's bytes. */
  rowOf: (f: CapturedFrame) => PacketRow;
  /** A cable's capture exports as text, not pcapng. */
  text: ((frames: CapturedFrame[]) => string) | null;
  /** Ends what feeds it (taps, a plug on a hub). */
  detach: () => Promise<void>;
  /** What a switch's dump feeds it (null for a cable): told whether its rows are watched, the plugin hands frames over sooner. */
  feed: SwitchFeed | null;
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
 * switch (switch-dump.ts; one dump a switch, shared by its captures), and a
 * serial cable, through the engine that carries its bytes. Each holds its
 * frames in a ring of the size its user chose. Events:
 * "rows" (capture id, PacketRow[], skipped: for a watched capture, every 15 ms while frames come,
 * the newest MAX_ROWS_PER_BATCH, and how many older ones had no row) and
 * "change" (CaptureInfo[]: at once on a start or stop, at most every second
 * for the counts).
 */
export class Captures extends EventEmitter {
  private readonly all = new Map<string, Capture>();
  private readonly dumps = new SwitchDumps();
  private next = 1;
  private rowsTimer: NodeJS.Timeout | null = null;
  private countsTimer: NodeJS.Timeout | null = null;

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
    const label = t.kind === "switch" ? `${this.switchOf(t.name).sw.mode === "hub" ? "hub" : "switch"} ${t.name}` : t.kind === "link" ? `link ${t.node}.${t.iface}` : this.cableLabel(t.line);
    const c: Capture = {
      info: { id, target: t, label, state: "running", started: Date.now(), packets: 0, dropped: 0, bytes: 0, ringMiB, error: null },
      ring: new CaptureRing(ringMiB * 1024 * 1024),
      watched: false,
      pending: [],
      skipped: 0,
      rowOf: frameRow,
      text: null,
      detach: async () => {},
      feed: null,
    };
    // Each frame is copied into the ring as it comes (a cable's a chunk at a time, a switch's a run of records at a
    // time), and noted for its row when someone views the capture; rows are made at the batch, of its newest frames only.
    const keep = (buf: Buffer, usec: number, dir?: "in" | "out") => {
      if (c.info.state !== "running") return;
      const no = c.ring.push(buf, usec, dir === undefined ? undefined : dir === "in");
      if (c.watched) c.pending.push(no);
    };
    /** A batch of frames has been kept. */
    const kept = () => {
      if (!c.watched) return this.scheduleCounts();
      if (c.pending.length > 2 * MAX_ROWS_PER_BATCH) {
        const over = c.pending.length - MAX_ROWS_PER_BATCH;
        c.pending.splice(0, over);
        c.skipped += over;
      }
      this.schedule();
    };
    const record = (frames: Buffer[], dir?: "in" | "out") => {
      if (!frames.length) return;
      const usec = nowUsec();
      for (const f of frames) keep(f, usec, dir);
      kept();
    };
    const ended = (why: string) => void this.end(c, why);
    const fed = (port: number | null): SwitchFeed =>
      (c.feed = {
        port,
        live: false,
        records: (b, from, to) => {
          if (c.info.state !== "running") return;
          const before = c.ring.count;
          c.ring.pushRecords(b, from, to, port);
          if (c.watched) for (let no = before + 1; no <= c.ring.count; no++) c.pending.push(no);
        },
        read: kept,
      });
    c.detach = t.kind === "cable" ? this.attachCable(c, t.line, record) : await this.attach(t, fed, ended);
    this.all.set(id, c);
    this.changed();
    return this.info(id);
  }

  /**
   * Whether rows of a capture are made ("rows" events): from a viewer's
   * joining (before its `recent`, so no row falls between) until the last
   * one leaves. Its frames are kept either way.
   */
  watch(id: string, on: boolean): void {
    const c = this.get(id);
    if (c.feed && c.feed.live !== on) {
      c.feed.live = on;
      // A switch that cannot be told has ended, and its capture with it ("exit").
      this.dumps.liven(c.feed).catch(() => {});
    }
    c.watched = on;
    if (!on) {
      c.pending = [];
      c.skipped = 0;
    }
  }

  /** The newest rows of a capture (a viewer joining), at most `limit`. */
  recent(id: string, limit = 2000): { info: CaptureInfo; rows: PacketRow[] } {
    const c = this.get(id);
    const frames = c.ring.since(Math.max(0, c.ring.count - limit));
    return { info: this.info(id), rows: frames.map(c.rowOf) };
  }

  async stop(id: string): Promise<CaptureInfo> {
    await this.end(this.get(id), null);
    return this.info(id);
  }

  async remove(id: string): Promise<void> {
    const c = this.get(id);
    await this.end(c, null);
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
    return writePcapng(file, `umlab ${this.host.lab.name}: ${c.info.label}`, c.info.label, c.ring.frames());
  }

  /** The lab stops: every capture ends and is forgotten with it. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.all.values()].map((c) => this.end(c, "the lab stopped")));
    this.all.clear();
    for (const t of [this.rowsTimer, this.countsTimer]) if (t) clearTimeout(t);
    this.rowsTimer = this.countsTimer = null;
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

  private switchOf(name: string): SwitchProcess {
    const sw = this.host.switches.get(name);
    if (!sw) throw new CaptureError(`lab ${this.host.lab.name} has no running switch "${name}"`);
    if (sw.sw.kind !== "vde")
      throw new CaptureError(`${name} is a uml_switch: it has no port a capture can plug into without root. Make it a vde switch (kind: vde) to capture on it`);
    if (!sw.pid) throw new CaptureError(`switch ${name} is not running: start the lab`);
    if (sw.paused) throw new CaptureError(`switch ${name} is paused: resume it first`);
    return sw;
  }

  /**
   * Starts what feeds a capture (the switch's plugin: the whole switch or
   * hub, or the port of a link, where it enters the switch); answers how to
   * stop it.
   */
  private async attach(t: Exclude<CaptureTarget, { kind: "cable" }>, fed: (port: number | null) => SwitchFeed, ended: (why: string) => void): Promise<() => Promise<void>> {
    const lab = this.host.lab;
    let sw: SwitchProcess;
    let port: number | null = null;
    if (t.kind === "link") {
      const index = Number(t.iface.slice(3));
      const plugged = pluggedInto(lab, t.node, index);
      if ("error" in plugged) throw new CaptureError(plugged.error);
      sw = this.switchOf(plugged.switch);
      port = sw.ports.get(linkName(t.node, index));
      if (port === null) throw new CaptureError(`${t.node}.${t.iface} has no port on switch ${plugged.switch}`);
    } else sw = this.switchOf(t.name);
    return this.dumps.join(sw, this.host.paths.run, fed(port), ended).catch((e: Error) => {
      throw new CaptureError(e.message);
    });
  }

  /** Stops what feeds a capture; its frames stay. `why`: it ended by itself. */
  private async end(c: Capture, why: string | null): Promise<void> {
    if (c.info.state !== "running") return;
    c.info.state = "stopped";
    c.info.error = why;
    await c.detach().catch(() => {});
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
        // A frame that left the ring before its row was made (a tiny ring, a flood) counts as skipped.
        const frames = nos.map((no) => c.ring.get(no)).filter((f) => f !== null);
        const skipped = c.skipped + c.pending.length - frames.length;
        c.pending = [];
        c.skipped = 0;
        this.emit("rows", c.info.id, frames.map(c.rowOf), skipped);
      }
  }

  private changed(): void {
    if (this.countsTimer) clearTimeout(this.countsTimer);
    this.countsTimer = null;
    this.emit("change", this.list());
  }
}
