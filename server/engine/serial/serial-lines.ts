import { EventEmitter } from "node:events";
import { StringDecoder } from "node:string_decoder";
import { cableAt, lineName, parseLineRef, sameLine, SERIAL_LINES, type Cable, type LineRef } from "../../model/serial";
import { ConsoleBuffer } from "../uml/console-buffer";
import { SerialLine } from "./serial-line";

/** A serial cable of a running lab, by its two lines' names, and whether it is cut. */
export interface CableStatus {
  a: string;
  b: string;
  cut: boolean;
}

export class SerialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SerialError";
  }
}

interface LineState {
  ref: LineRef;
  line: SerialLine;
  /** A line with no cable is a terminal's: its output kept for a viewer that attaches. */
  console: ConsoleBuffer;
  decoder: StringDecoder;
}

/** What the lines need to know of the lab's nodes. */
export interface LineNodes {
  /** Bytes go to a guest only while it runs: a line of a guest that is down or booting is a cable into the void. */
  running(node: string): boolean;
  /** The guest moved bytes on a line: UML may have missed its wakeup (uml/console-nudger.ts). */
  nudge(node: string): void;
}

/**
 * The serial lines of a running lab's nodes and the cables between them.
 * Each line is a pty pair the engine holds (serial-line.ts), made the first
 * time its node starts and kept until the lab stops, so a cable outlives
 * either guest. The engine carries a cable's bytes from one master to the
 * other while the cable is whole and the far guest runs; a cut cable drops
 * them, as a cut wire would. A line with no cable is a terminal's: its
 * output is the "data" event (line name, text) and a terminal's keystrokes
 * go in through `input`. Events: "data", "cable" (CableStatus) and
 * "cable-bytes" (cable, from line, bytes, delivered) for captures.
 */
export class SerialLines extends EventEmitter {
  private readonly lines = new Map<string, LineState>();
  private readonly cut = new Set<Cable>();

  constructor(
    private readonly cables: readonly Cable[],
    private readonly nodes: LineNodes,
  ) {
    super();
  }

  /** A node's lines, made on its first start: line number -> host pty path, for its command line. */
  ttys(node: string): Map<number, string> {
    const out = new Map<number, string>();
    for (const n of SERIAL_LINES) out.set(n, this.open({ node, line: n }).line.ttyPath);
    return out;
  }

  private open(ref: LineRef): LineState {
    const name = lineName(ref);
    let s = this.lines.get(name);
    if (!s) {
      const state: LineState = { ref, line: new SerialLine((d) => this.fromGuest(state, d)), console: new ConsoleBuffer(64 * 1024), decoder: new StringDecoder("utf8") };
      this.lines.set(name, state);
      s = state;
    }
    return s;
  }

  private fromGuest(s: LineState, data: Buffer): void {
    const cable = cableAt(this.cables, s.ref);
    if (!cable) {
      const text = s.decoder.write(data);
      s.console.push(text);
      if (text) this.emit("data", lineName(s.ref), text);
      return;
    }
    this.nodes.nudge(s.ref.node);
    const far = sameLine(cable.a, s.ref) ? cable.b : cable.a;
    // The far line exists once its node started; a node that never did is not running.
    const target = this.cut.has(cable) || !this.nodes.running(far.node) ? undefined : this.lines.get(lineName(far))?.line;
    // A capture of the cable (capture/cable-capture.ts) sees what was written, and whether it went anywhere.
    if (this.listenerCount("cable-bytes")) this.emit("cable-bytes", cable, s.ref, data, !!target);
    if (!target) return;
    // A far guest that reads slower than this one writes holds this one up, as a serial line's flow control would.
    if (!target.write(data)) {
      s.line.hold(true);
      target.whenDrained(() => s.line.hold(false));
    }
    this.nodes.nudge(far.node);
  }

  /** A node went down: what waits for its guest is lost, and a writer held up for it goes on. */
  nodeDown(node: string): void {
    for (const n of SERIAL_LINES) this.lines.get(lineName({ node, line: n }))?.line.clear();
  }

  /** Cuts or mends the cable on a line (either end). */
  cableAction(text: string, action: "cut" | "mend"): CableStatus {
    const cable = this.cableOn(text);
    if (action === "cut") this.cut.add(cable);
    else this.cut.delete(cable);
    const status = this.statusOf(cable);
    this.emit("cable", status);
    return status;
  }

  private cableOn(text: string): Cable {
    const ref = parseLineRef(text);
    if (typeof ref === "string") throw new SerialError(ref);
    const cable = cableAt(this.cables, ref);
    if (!cable) throw new SerialError(`${text} has no cable`);
    return cable;
  }

  /** A terminal's keystrokes into a line with no cable (a cable's line carries its cable's bytes only). */
  input(text: string, data: string): void {
    const ref = parseLineRef(text);
    if (typeof ref === "string" || cableAt(this.cables, ref)) return;
    if (!this.nodes.running(ref.node)) return;
    this.lines.get(lineName(ref))?.line.write(Buffer.from(data, "utf8"));
    this.nodes.nudge(ref.node);
  }

  /** What a line with no cable printed lately (a terminal's replay); why not, for a line a terminal cannot have. */
  screen(text: string): string {
    const ref = parseLineRef(text);
    if (typeof ref === "string") throw new SerialError(ref);
    const cable = cableAt(this.cables, ref);
    if (cable) throw new SerialError(`${text} is in the cable ${lineName(cable.a)}—${lineName(cable.b)}: open a terminal on a line with no cable`);
    return this.lines.get(text)?.console.text() ?? "";
  }

  status(): CableStatus[] {
    return this.cables.map((c) => this.statusOf(c));
  }

  private statusOf(c: Cable): CableStatus {
    return { a: lineName(c.a), b: lineName(c.b), cut: this.cut.has(c) };
  }

  /** Closes every line (the lab stopped). */
  close(): void {
    for (const s of this.lines.values()) s.line.close();
    this.lines.clear();
  }
}

/** A stopped lab's cables: whole, nothing running. */
export const idleCables = (cables: readonly Cable[]): CableStatus[] => cables.map((c) => ({ a: lineName(c.a), b: lineName(c.b), cut: false }));
