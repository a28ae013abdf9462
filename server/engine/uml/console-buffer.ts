/**
 * The recent output of a console, bounded, so a browser or CLI that attaches
 * late (or again) sees the screen as it was.
 */
export class ConsoleBuffer {
  private chunks: string[] = [];
  private size = 0;
  constructor(private readonly limit = 256 * 1024) {}

  push(data: string): void {
    this.chunks.push(data);
    this.size += data.length;
    while (this.size > this.limit && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
    if (this.size > this.limit) {
      this.chunks[0] = this.chunks[0].slice(this.size - this.limit);
      this.size = this.limit;
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
