/** A console's output within one window that goes out at once, as it comes. */
export const BURST_CHARS = 2048;
/** How long a busy console's output is gathered before it goes out in one piece. */
export const BATCH_MS = 15;
/** Held output beyond this goes out at once, window or not. */
const MAX_HELD_CHARS = 256 * 1024;

interface Pending {
  since: number;
  chars: number;
  held: string[];
  timer: ReturnType<typeof setTimeout> | null;
}

/**
 * Gathers a busy console's output into fewer, larger pieces. A guest writes
 * its console a line or so at a time: a `yes` flood is hundreds of pieces a
 * second of ~300 bytes, and each piece was a message through the engine link,
 * the web server and the browser's socket, which on two cores kept the page
 * from drawing. Typing is untouched: a console's first BURST_CHARS in a
 * BATCH_MS window go out at once (an echo is never held); beyond that,
 * output is held to the end of the window and goes out in one piece.
 */
export class ConsoleBatcher {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly out: (lab: string, node: string, data: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  push(lab: string, node: string, data: string): void {
    const k = key(lab, node);
    const t = this.now();
    let p = this.pending.get(k);
    if (!p || (!p.timer && t - p.since >= BATCH_MS)) {
      p = { since: t, chars: 0, held: [], timer: null };
      this.pending.set(k, p);
    }
    if (!p.timer && p.chars + data.length <= BURST_CHARS) {
      p.chars += data.length;
      return this.out(lab, node, data);
    }
    p.held.push(data);
    p.chars += data.length;
    if (p.chars > MAX_HELD_CHARS) return this.flushKey(k, lab, node);
    if (!p.timer) {
      p.timer = setTimeout(() => this.flushKey(k, lab, node), Math.max(0, p.since + BATCH_MS - t));
      p.timer.unref?.();
    }
  }

  /** Sends what a lab's consoles hold now (the lab is stopping: its last words are not lost). */
  flushLab(lab: string): void {
    for (const k of [...this.pending.keys()])
      if (k.startsWith(`${lab}\n`)) {
        this.flushKey(k, lab, k.slice(lab.length + 1));
        this.pending.delete(k);
      }
  }

  private flushKey(k: string, lab: string, node: string): void {
    const p = this.pending.get(k);
    if (!p) return;
    if (p.timer) clearTimeout(p.timer);
    const data = p.held.join("");
    // The next window starts now: a flood goes on in pieces one window apart.
    this.pending.set(k, { since: this.now(), chars: data.length, held: [], timer: null });
    if (data) this.out(lab, node, data);
  }
}

const key = (lab: string, node: string) => `${lab}\n${node}`;
