import { write } from "node:fs";
import { RawPty } from "../uml/raw-pty";

/** Bytes waiting for a guest that reads slower than its peer writes: past this the writer is held (flow control). */
export const LINE_QUEUE_HIGH = 64 * 1024;
/** Past this, bytes are lost: a writer that is not held (a terminal's paste) cannot fill the engine's memory. */
const LINE_QUEUE_MAX = 4 * LINE_QUEUE_HIGH;

/**
 * One serial line of a node, as the host sees it: a pty pair the engine
 * makes before the guest boots and keeps for the whole run. The guest gets
 * the slave (`sslN=tty:PATH`); the engine reads and writes the master. The
 * engine keeps the slave open too, so the master never sees the guest go:
 * a guest that crashes and boots again opens the same line, and a cable on
 * it goes on (DESIGN.md: a relay between ptys UML makes for itself breaks
 * when one side dies).
 */
export class SerialLine {
  readonly ttyPath: string;
  private readonly pty: RawPty;
  private queue: Buffer[] = [];
  private queued = 0;
  private writing = false;
  private closed = false;
  private drainWaiters: (() => void)[] = [];
  /** Bytes given up on because the guest did not read them in time. */
  dropped = 0;

  constructor(onData: (chunk: Buffer) => void) {
    this.pty = new RawPty();
    this.ttyPath = this.pty.ttyPath;
    this.pty.reader.on("data", (d: Buffer) => onData(d));
  }

  /**
   * Bytes for the guest. False when the writer should wait for `whenDrained`
   * (the guest reads slower than it is written to), or the bytes were lost
   * (far past that, or the line closed).
   */
  write(data: Buffer): boolean {
    if (this.closed) return false;
    if (this.queued + data.length > LINE_QUEUE_MAX) {
      this.dropped += data.length;
      return false;
    }
    this.queue.push(data);
    this.queued += data.length;
    this.pump();
    return this.queued < LINE_QUEUE_HIGH;
  }

  /** Calls `fn` once everything queued reached the guest, or was given up on. */
  whenDrained(fn: () => void): void {
    if (!this.queued) return fn();
    this.drainWaiters.push(fn);
  }

  /** Stops reading what the guest writes (its far end is full: the guest's own writes then wait), or starts again. */
  hold(held: boolean): void {
    if (this.closed) return;
    if (held) this.pty.reader.pause();
    else this.pty.reader.resume();
  }

  /** Gives up on what is queued: the guest is gone, nobody will read it. */
  clear(): void {
    this.dropped += this.queued;
    this.queue = [];
    this.queued = 0;
    for (const fn of this.drainWaiters.splice(0)) fn();
  }

  private pump(): void {
    if (this.writing || this.closed || !this.queue.length) return;
    const data = this.queue[0];
    this.writing = true;
    write(this.pty.master, data, 0, data.length, null, (err, n) => {
      this.writing = false;
      if (this.closed) return;
      if (err) {
        // EAGAIN: the guest's side is full; try again shortly. Anything else: the line is gone.
        if ((err as NodeJS.ErrnoException).code === "EAGAIN") setTimeout(() => this.pump(), 5).unref();
        else this.clear();
        return;
      }
      this.queued -= n;
      if (n < data.length) this.queue[0] = data.subarray(n);
      else this.queue.shift();
      if (!this.queued) for (const fn of this.drainWaiters.splice(0)) fn();
      this.pump();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clear();
    this.pty.close();
  }
}
