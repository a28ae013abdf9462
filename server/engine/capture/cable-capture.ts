import { cableAt, lineName, parseLineRef, sameLine, type Cable, type LineRef } from "../../model/serial";
import type { CapturedFrame } from "./ring";
import type { PacketRow } from "./types";

/** What a cable's capture is told: the bytes one end wrote, and whether they reached the other (not when cut or it was down). */
export type CableListener = (cable: Cable, from: LineRef, data: Buffer, delivered: boolean) => void;

/** A cable's bytes as text for one line: printable ASCII as it is, the rest escaped (\r, \n, \t, \xNN). */
export function escapeBytes(data: Buffer, max = 120): string {
  let out = "";
  for (const b of data.subarray(0, max)) {
    if (b === 0x0d) out += "\\r";
    else if (b === 0x0a) out += "\\n";
    else if (b === 0x09) out += "\\t";
    else if (b === 0x5c) out += "\\\\";
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return data.length > max ? `${out}…` : out;
}

/** The cable a capture target names by either of its lines, or why there is none. */
export function cableOf(cables: readonly Cable[], line: string): { cable: Cable; ref: LineRef } | string {
  const ref = parseLineRef(line);
  if (typeof ref === "string") return ref;
  const cable = cableAt(cables, ref);
  return cable ? { cable, ref } : `${line} has no cable: capture a cable by one of its lines`;
}

export const sameCable = (x: Cable, y: Cable) => lineName(x.a) === lineName(y.a) && lineName(x.b) === lineName(y.b);

/**
 * A cable's captured chunk as a row: from which line to which, its bytes as
 * text. `out` is from the line the capture was asked for; a chunk that did
 * not reach the other end (cut, or its guest down) says so.
 */
export function cableRow(f: CapturedFrame, cable: Cable, ref: LineRef, undelivered: ReadonlySet<number>): PacketRow {
  const out = f.inbound === false;
  const here = sameLine(cable.a, ref) ? cable.a : cable.b;
  const there = sameLine(cable.a, ref) ? cable.b : cable.a;
  const lost = undelivered.has(f.no) ? "(not delivered) " : "";
  return { no: f.no, usec: f.usec, dir: out ? "out" : "in", src: lineName(out ? here : there), dst: lineName(out ? there : here), protocol: "Serial", length: f.frame.length, info: lost + escapeBytes(f.frame), malformed: false };
}

/** A cable's capture as text: one line per chunk, with its time (UTC, µs), direction and bytes. */
export function cableText(label: string, frames: readonly CapturedFrame[], cable: Cable, ref: LineRef, undelivered: ReadonlySet<number>): string {
  const lines = [`# umlab capture of ${label}: time (UTC), from → to, bytes, what was written (\\r \\n \\t \\xNN escaped)`];
  for (const f of frames) {
    const r = cableRow(f, cable, ref, undelivered);
    const when = `${new Date(Math.floor(r.usec / 1000)).toISOString().slice(0, 19)}.${String(r.usec % 1_000_000).padStart(6, "0")}Z`;
    lines.push(`${when} ${r.src} → ${r.dst} ${r.length} ${undelivered.has(f.no) ? "(not delivered) " : ""}${escapeBytes(f.frame, Infinity)}`);
  }
  return `${lines.join("\n")}\n`;
}
