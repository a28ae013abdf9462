import type { Socket } from "node:net";
import { z } from "zod";

/**
 * The engine protocol: newline-delimited JSON frames over a unix socket on
 * the same host, or TCP (another host). The first frame each way is a hello:
 * the client's carries the protocol version and the shared secret, the
 * engine's its version, its instance id and pid. Then requests
 * `{id, cmd, args}`, answered `{id, ok, value}` or `{id, ok: false, error}`;
 * `{cmd, args}` without an id expects no answer (keystrokes, resizes); and
 * events from the engine `{ev, ...}`, in the same order as the answers, so
 * whatever an answer reflects was sent before it. See docs/ARCHITECTURE.md.
 */
export const PROTOCOL_VERSION = 1;

/** A frame longer than this ends the connection: a lab definition with its files fits many times over. */
export const MAX_FRAME = 32 * 1024 * 1024;

export const helloFromClient = z.strictObject({ hello: z.strictObject({ v: z.number().int(), secret: z.string().max(200) }) });
export const request = z.strictObject({ id: z.number().int().nonnegative().optional(), cmd: z.string().max(40), args: z.array(z.unknown()).max(8) });

export type Request = z.infer<typeof request>;

export interface HelloFromEngine {
  /** `door`: the engine's console door (console-door.ts), when it has one: its port, and its address as browsers reach it when set (UMLAB_CONSOLE_URL). */
  hello: { v: number; engine: string; pid: number; door?: { port: number; url?: string } };
}

export interface WireError {
  name: string;
  message: string;
  /** The problems an error lists, where it has them (a lab definition's, a kernel fragment's), each plain data. */
  problems?: unknown[];
}

export type Answer = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };

/** What the engine sends unasked. */
export type EngineEvent =
  | { ev: "patch"; data: unknown }
  | { ev: "console"; lab: string; node: string; data: string; seq: number }
  /** Console output of a node was dropped for this client (it fell behind): its viewers need the screen again. */
  | { ev: "console-gap"; lab: string; node: string }
  /** A batch of a capture's rows; `missed`: rows this client did not get before these (it fell behind). */
  | { ev: "capture-rows"; lab: string; capture: string; rows: unknown[]; missed: number }
  /** Someone typed into a console through the engine's door (ConsoleTyped). */
  | { ev: "typed"; data: unknown };

/**
 * Reads newline-delimited JSON frames from a socket. A frame that is not
 * JSON, or longer than MAX_FRAME, ends the connection (`onBad` says why).
 */
export function readFrames(socket: Socket, onFrame: (frame: unknown) => void, onBad: (why: string) => void): void {
  let buffered: Buffer[] = [];
  let size = 0;
  socket.on("data", (chunk: Buffer) => {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      // Most frames lie within one chunk (a keystroke, an echo): read in place, not copied out first.
      const line = buffered.length ? Buffer.concat([...buffered, chunk.subarray(start, nl)]).toString("utf8") : chunk.toString("utf8", start, nl);
      buffered = [];
      size = 0;
      start = nl + 1;
      let frame: unknown;
      try {
        frame = JSON.parse(line);
      } catch {
        onBad("a frame that is not JSON");
        socket.destroy();
        return;
      }
      onFrame(frame);
      if (socket.destroyed) return;
    }
    if (start < chunk.length) {
      buffered.push(chunk.subarray(start));
      size += chunk.length - start;
      if (size > MAX_FRAME) {
        onBad(`a frame over ${MAX_FRAME} bytes`);
        socket.destroy();
      }
    }
  });
}

export function writeFrame(socket: Socket, frame: unknown): boolean {
  if (socket.destroyed) return false;
  return socket.write(`${JSON.stringify(frame)}\n`);
}

/** An error as it crosses the wire: its name (the HTTP API answers by it), message and problems, nothing of its stack. */
export function toWire(e: unknown): WireError {
  const err = e instanceof Error ? e : new Error(String(e));
  const problems = (err as { problems?: unknown }).problems;
  return Array.isArray(problems) ? { name: err.name, message: err.message, problems } : { name: err.name, message: err.message };
}

export function fromWire(w: WireError): Error {
  const e = new Error(w.message);
  e.name = w.name;
  if (Array.isArray(w.problems)) Object.assign(e, { problems: w.problems });
  return e;
}
