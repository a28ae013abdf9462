import { readFileSync } from "node:fs";

/** Clock ticks a process has run (user + system), or null when it is gone. */
function cpuTicks(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return Number(f[11]) + Number(f[12]);
  } catch {
    return null;
  }
}

/**
 * Notices a guest that hangs while booting. With hundreds of guests booting
 * at once on a small host, about 1 in 100 stops printing right after its
 * disks are set up: some spin on a page fault forever (SIGSEGV at the same
 * address again and again under strace), some sleep with work pending, as a
 * flooded console does when UML misses a wakeup. A booting guest that has
 * been quiet for `nudgeMs` gets a SIGIO now and then (UML then polls its
 * descriptors again); one quiet for `quietMs` is reported so the node can be
 * started again.
 */
export class BootWatch {
  private lastOutput = Date.now();
  private nudgeable = false;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly pid: number,
    private readonly booting: () => boolean,
    private readonly onHung: () => void,
    private readonly quietMs = 60000,
    private readonly periodMs = 5000,
    private readonly nudgeMs = 10000,
  ) {
    this.timer = setInterval(() => this.tick(), periodMs);
    this.timer.unref();
  }

  /** Output of this boot. Nudges wait for the machine console's line: it starts late in the boot, long after UML's signal handlers (a SIGIO before them would kill the guest). */
  sawOutput(chunk: string): void {
    this.lastOutput = Date.now();
    if (!this.nudgeable && chunk.includes("mconsole (version")) this.nudgeable = true;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    if (!this.booting()) return this.stop();
    if (cpuTicks(this.pid) === null) return this.stop();
    const quiet = Date.now() - this.lastOutput;
    if (quiet > this.quietMs) {
      this.stop();
      this.onHung();
    } else if (quiet > this.nudgeMs && this.nudgeable) {
      try {
        process.kill(this.pid, "SIGIO");
      } catch {
        // gone meanwhile
      }
    }
  }
}
