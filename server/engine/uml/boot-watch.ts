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

const TICKS_PER_SECOND = 100;

/**
 * Notices a guest that hangs while booting. With hundreds of guests booting
 * at once on a small host, about 1 in 100 stops printing right after its
 * disks are set up and spins on a page fault forever (both Debian's kernel
 * and ours; SIGSEGV at the same address again and again under strace). Such
 * a guest prints nothing for `quietMs` while burning CPU: it is reported so
 * the node can be started again.
 */
export class BootWatch {
  private lastOutput = Date.now();
  private lastCpu: number | null = null;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly pid: number,
    private readonly booting: () => boolean,
    private readonly onHung: () => void,
    private readonly quietMs = 30000,
    private readonly periodMs = 5000,
  ) {
    this.timer = setInterval(() => this.tick(), periodMs);
    this.timer.unref();
  }

  sawOutput(): void {
    this.lastOutput = Date.now();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    if (!this.booting()) return this.stop();
    const cpu = cpuTicks(this.pid);
    if (cpu === null) return this.stop();
    // Busy: more than half of one CPU since the last look.
    const busy = this.lastCpu !== null && cpu - this.lastCpu > (this.periodMs / 1000) * TICKS_PER_SECOND * 0.5;
    this.lastCpu = cpu;
    if (busy && Date.now() - this.lastOutput > this.quietMs) {
      this.stop();
      this.onHung();
    }
  }
}
