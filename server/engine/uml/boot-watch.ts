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

/** How often the process gave up the CPU by itself (blocked: I/O, waits), or null when it is gone. */
function voluntarySwitches(pid: number): number | null {
  try {
    return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN);
  } catch {
    return null;
  }
}

/** Clock ticks a second, as /proc counts CPU time (USER_HZ: 100 on Linux). */
const CLOCK_TICKS = 100;
/** A silent booting guest that had at least this share of a core over its silence is still working (a hung one: next to none). */
const WORKING_SHARE = 0.02;
/** Silent this many times `quietMs`, a guest is hung however much it runs. */
const QUIET_CAP = 5;

/**
 * Notices a guest that hangs while booting. With hundreds of guests booting
 * at once on a small host, about 1 in 100 stops printing right after its
 * disks are set up: some spin on a page fault forever (SIGSEGV at the same
 * address again and again under strace), some sleep with work pending, as a
 * flooded console does when UML misses a wakeup. A booting guest that has
 * been quiet for `nudgeMs` gets a SIGIO now and then (UML then polls its
 * descriptors again); one quiet for `quietMs` is reported so the node can be
 * started again. One that spins is reported sooner, once quiet for `spinMs`:
 * it ran in each of the last two periods without ever blocking (its
 * voluntary context switches stand still while its CPU time grows; a booting
 * guest that runs at all blocks on its disks and its processes thousands of
 * times), which is the SIGSEGV loop — a guest starved of CPU under load runs
 * not at all and is left alone. And a guest silent for `quietMs` that ran
 * all the while (2 % of a core or more: a class of FRR routers booting on
 * a 2-core host, each silent for a minute before its prompt) is slow, not
 * hung: it is given up to five times that. Restarting it added the load
 * that kept its neighbours from booting (5 OSPF rings: 2 of 20 routers up
 * after 335 s, one node "hung" three times).
 */
export class BootWatch {
  private lastOutput = Date.now();
  private nudgeable = false;
  private last: { cpu: number; voluntary: number } | null = null;
  private spinning = 0;
  /** CPU time samples of about the last `quietMs`, oldest first. */
  private history: { at: number; cpu: number }[] = [];
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    /** The guest's linux.uml (a function: a sandboxed guest's is known only once its sandbox is up). */
    private readonly pid: number | (() => number | null),
    private readonly booting: () => boolean,
    private readonly onHung: () => void,
    private readonly quietMs = 60000,
    private readonly periodMs = 5000,
    private readonly nudgeMs = 10000,
    private readonly spinMs = 10000,
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
    const pid = typeof this.pid === "number" ? this.pid : this.pid();
    if (pid === null) return;
    const cpu = cpuTicks(pid);
    const voluntary = voluntarySwitches(pid);
    if (cpu === null || voluntary === null) return this.stop();
    const spun = this.last !== null && cpu > this.last.cpu && voluntary === this.last.voluntary;
    this.spinning = spun ? this.spinning + 1 : 0;
    this.last = { cpu, voluntary };
    const now = Date.now();
    const quiet = now - this.lastOutput;
    this.history.push({ at: now, cpu });
    while (this.history.length > 1 && this.history[1].at <= now - this.quietMs) this.history.shift();
    // Silent but running (its CPU time grows, its waits come and go): a guest starved on a loaded host, not a hung
    // one. A guest that sleeps with work pending uses next to none. Past QUIET_CAP silences it is hung all the same.
    const span = now - this.history[0].at;
    const ranMs = ((cpu - this.history[0].cpu) * 1000) / CLOCK_TICKS;
    const working = span > 0 && ranMs >= span * WORKING_SHARE && quiet < QUIET_CAP * this.quietMs;
    // Spinning counts only past the machine console's start: before it the kernel computes without blocking.
    if ((quiet > this.quietMs && !working) || (this.nudgeable && quiet > this.spinMs && this.spinning >= 2)) {
      this.stop();
      this.onHung();
    } else if (quiet > this.nudgeMs && this.nudgeable) {
      try {
        process.kill(pid, "SIGIO");
      } catch {
        // gone meanwhile
      }
    }
  }
}
