import { createWriteStream, openSync, renameSync, statSync, type WriteStream } from "node:fs";

/** Each file of a console log holds at most this much; with the one before it, a node keeps twice that. */
export const CONSOLE_LOG_MAX = 2 * 1024 * 1024;
/** Output is gathered this long (or up to FLUSH_BYTES) before it is written: one write per line was a flood's second cost. */
const FLUSH_MS = 100;
const FLUSH_BYTES = 64 * 1024;

/**
 * A node's console output on disk, kept within a cap: console.log, and once
 * it is full it becomes console.log.1 (the one before it goes) and a new
 * console.log begins. A guest printing without end (`yes`) costs a bounded
 * amount of disk. Output that comes faster than the disk takes it is
 * dropped rather than held in memory; a failing disk loses the log, never
 * the server.
 */
export class ConsoleLog {
  private stream: WriteStream | null = null;
  private size = 0;
  private dropped = 0;
  /** Bytes written but not yet on disk, over this stream and those rotated away. */
  private pending = 0;
  private closed = false;
  private held: string[] = [];
  private heldBytes = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly path: string,
    private readonly max = CONSOLE_LOG_MAX,
  ) {
    try {
      this.size = statSync(path).size;
    } catch {
      this.size = 0;
    }
  }

  write(data: string): void {
    if (this.closed) return;
    const bytes = Buffer.byteLength(data);
    if (this.size + bytes > this.max && this.size > 0) this.rotate();
    const stream = this.open();
    if (!stream) return;
    // Bytes queued for the disk are held in memory: beyond the cap they are not kept.
    if (this.pending > this.max) {
      this.dropped += bytes;
      return;
    }
    if (this.dropped) {
      const note = `\r\n[umlab: ${this.dropped} bytes of console output came faster than the disk took them and are not in this log]\r\n`;
      this.dropped = 0;
      this.put(stream, note, note.length);
    }
    this.put(stream, data, bytes);
  }

  private put(stream: WriteStream, data: string, bytes: number): void {
    this.pending += bytes;
    this.size += bytes;
    this.held.push(data);
    this.heldBytes += bytes;
    if (this.heldBytes >= FLUSH_BYTES) this.flush(stream);
    else if (!this.timer) {
      this.timer = setTimeout(() => this.stream && this.flush(this.stream), FLUSH_MS);
      this.timer.unref();
    }
  }

  private flush(stream: WriteStream): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.heldBytes) return;
    const bytes = this.heldBytes;
    const data = this.held.join("");
    this.held = [];
    this.heldBytes = 0;
    stream.write(data, () => {
      this.pending -= bytes;
    });
  }

  close(): void {
    this.closed = true;
    if (this.stream) this.flush(this.stream);
    this.stream?.end();
    this.stream = null;
  }

  private open(): WriteStream | null {
    if (this.stream) return this.stream;
    try {
      // Opened at once, not when the stream gets round to it, so a rotation renames the file this stream writes.
      const stream = createWriteStream("", { fd: openSync(this.path, "a") });
      stream.on("error", () => {
        // A log that cannot be written (disk full, run directory removed) is given up.
        if (this.stream === stream) this.stream = null;
        this.closed = true;
      });
      this.stream = stream;
      return stream;
    } catch {
      this.closed = true;
      return null;
    }
  }

  private rotate(): void {
    // Bytes still queued reach the renamed file: the descriptor follows it.
    if (this.stream) this.flush(this.stream);
    this.stream?.end();
    this.stream = null;
    try {
      renameSync(this.path, `${this.path}.1`);
    } catch {
      // nothing to rotate yet (the log was never opened) or the folder is gone
    }
    this.size = 0;
  }
}
