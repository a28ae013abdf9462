/**
 * What the host reads from a node's exec line, made safe against the guest.
 * Guest root can write anything to that line (a flood with no line end, fake
 * markers, stale answers): lines are capped, every answer must carry the
 * nonce of the request it answers, and whatever does not fit is dropped, so
 * the next request after the noise is answered again.
 */

/** Longest line kept; the agent's lines are at most 76 base64 characters or a marker. */
export const MAX_LINE = 4096;
/** Most of a command's stdout or stderr kept, in bytes; the agent sends one byte more so a cut is seen. */
export const MAX_OUTPUT = 1024 * 1024;
/** A request's script, at most (the agent reads it as one line). */
export const MAX_SCRIPT = 256 * 1024;

/** Splits a stream into lines; a line over MAX_LINE is dropped up to its end, without being held. */
export class LineSplitter {
  private partial = "";
  private discarding = false;

  push(chunk: string, onLine: (line: string) => void): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf("\n", start);
      if (nl < 0) break;
      if (!this.discarding && this.partial.length + nl - start <= MAX_LINE) onLine((this.partial + chunk.slice(start, nl)).replace(/\r$/, ""));
      this.partial = "";
      this.discarding = false;
      start = nl + 1;
    }
    if (this.discarding) return;
    if (this.partial.length + chunk.length - start > MAX_LINE) {
      this.partial = "";
      this.discarding = true;
    } else this.partial += chunk.slice(start);
  }

  reset(): void {
    this.partial = "";
    this.discarding = false;
  }
}

export type Marker = { kind: "ready" } | { kind: "begin" | "stderr"; nonce: string } | { kind: "end"; nonce: string; exitCode: number };

// Anything may precede a marker on its line (a guest's output without a line end).
const MARKER = /@@umlab (?:(ready)|(begin|stderr) ([0-9a-f]{24})|end ([0-9a-f]{24}) (\d{1,3}))$/;

export function parseMarker(line: string): Marker | null {
  if (!line.includes("@@umlab ")) return null;
  const m = MARKER.exec(line);
  if (!m) return null;
  if (m[1]) return { kind: "ready" };
  if (m[2]) return { kind: m[2] as "begin" | "stderr", nonce: m[3] };
  return { kind: "end", nonce: m[4], exitCode: Number(m[5]) };
}

const BASE64_LINE = /^[A-Za-z0-9+/]{0,76}={0,2}$/;
const MAX_BASE64 = Math.ceil((MAX_OUTPUT + 1) / 3) * 4;

/** One stream (stdout or stderr) of an answer, as base64 lines. */
class Stream {
  private parts: string[] = [];
  private chars = 0;
  over = false;

  add(line: string): boolean {
    if (line.length % 4 !== 0 || !BASE64_LINE.test(line)) return false;
    if (this.chars + line.length > MAX_BASE64) this.over = true;
    else {
      this.parts.push(line);
      this.chars += line.length;
    }
    return true;
  }

  text(): { text: string; cut: boolean } {
    const bytes = Buffer.from(this.parts.join(""), "base64");
    const cut = this.over || bytes.length > MAX_OUTPUT;
    return { text: bytes.subarray(0, MAX_OUTPUT).toString("utf8"), cut };
  }
}

export interface Answer {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** Set when stdout or stderr was longer than MAX_OUTPUT and was cut (the text says so too). */
  truncated?: true;
}

/**
 * The answer to one request, gathered from lines. Lines before its begin
 * marker, and markers with another nonce, are not its own and are ignored;
 * a line inside it that is not base64 means something else wrote into it.
 */
export class AnswerFrame {
  private section: "before" | "stdout" | "stderr" = "before";
  private readonly out = new Stream();
  private readonly err = new Stream();
  private garbled = false;

  constructor(readonly nonce: string) {}

  /** Feeds a line; returns the answer, or an Error, once the end marker came. */
  line(line: string, marker: Marker | null): Answer | Error | null {
    if (marker && marker.kind !== "ready" && marker.nonce === this.nonce) {
      // Before its begin nothing is this answer's, not even a marker with its nonce.
      if (this.section === "before") {
        if (marker.kind === "begin") this.section = "stdout";
      } else if (marker.kind === "begin") this.garbled = true;
      else if (marker.kind === "stderr" && this.section === "stdout") this.section = "stderr";
      else if (marker.kind === "end" && this.section === "stderr") return this.finish(marker.exitCode);
      else this.garbled = true;
      return null;
    }
    if (this.section === "before" || marker) return null;
    if (!(this.section === "stdout" ? this.out : this.err).add(line)) this.garbled = true;
    return null;
  }

  private finish(exitCode: number): Answer | Error {
    if (this.garbled) return new Error("its answer was garbled: something else in the guest wrote to the exec line (ttyS1)");
    const out = this.out.text();
    const err = this.err.text();
    const note = (what: string) => `\n[umlab: ${what} cut: longer than ${MAX_OUTPUT} bytes]\n`;
    const answer: Answer = {
      stdout: out.text + (out.cut ? note("stdout") : ""),
      stderr: err.text + (err.cut ? note("stderr") : ""),
      exitCode,
    };
    if (out.cut || err.cut) answer.truncated = true;
    return answer;
  }
}
