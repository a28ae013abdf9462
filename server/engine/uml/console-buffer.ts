/**
 * The recent output of a console, bounded, so a browser or CLI that attaches
 * late (or again) sees the screen as it was.
 */
/** Small pieces are joined up to this size: a guest writes a line at a time, and trimming thousands of them was a flood's main cost. */
const PIECE = 8 * 1024;

export class ConsoleBuffer {
  private chunks: string[] = [];
  private size = 0;
  constructor(private readonly limit = 256 * 1024) {}

  push(data: string): void {
    const last = this.chunks.length - 1;
    if (last >= 0 && this.chunks[last].length + data.length <= PIECE) this.chunks[last] += data;
    else this.chunks.push(data);
    this.size += data.length;
    while (this.size > this.limit) {
      const over = this.size - this.limit;
      const first = this.chunks[0];
      if (first.length <= over) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.slice(over);
        this.size = this.limit;
      }
    }
  }

  text(): string {
    return this.chunks.join("");
  }

  /** The last `n` lines, without terminal escapes: what a crash report shows. */
  tail(n: number): string {
    const plain = stripTerminalEscapes(this.text()).replace(/\r/g, "");
    return plain.split("\n").filter((l) => l.trim() !== "").slice(-n).join("\n");
  }
}

/** Text without the CSI sequences (colours, cursor moves) a terminal would interpret. */
export function stripTerminalEscapes(text: string): string {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
}
