/**
 * Keeps a flooding guest console moving. Debian's UML 6.1 loses the host's
 * "ready to write" wakeup when its console output fills the pty (a `yes` in
 * the guest, a busy server): the guest then sleeps with output pending, its
 * console hung, input included, until some other interrupt comes. SIGIO makes
 * UML poll its descriptors again, which flushes the output. So a console
 * that has just gone quiet after output or input gets a few SIGIOs, half a
 * second apart; an idle console gets none. (Seen with the old script-run
 * console shell at flood rates; kept as a guard: a hung console is costly.)
 */
export class ConsoleNudger {
  private lastOutput = 0;
  private lastInput = 0;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    /** The guest's linux.uml (a function: a sandboxed guest's is known only once its sandbox is up). */
    private readonly pid: number | (() => number | null),
    /** Only once the guest runs: before UML sets its handler, SIGIO would kill it. */
    private readonly ready: () => boolean,
    private readonly periodMs = 500,
    private readonly busyWindowMs = 2000,
  ) {
    this.timer = setInterval(() => this.tick(), periodMs);
    this.timer.unref();
  }

  sawOutput(): void {
    this.lastOutput = Date.now();
  }

  sawInput(): void {
    this.lastInput = Date.now();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const now = Date.now();
    const quietFor = now - this.lastOutput;
    const busyLately = quietFor < this.busyWindowMs || now - this.lastInput < 1000;
    if (!busyLately || quietFor < this.periodMs || !this.ready()) return;
    const pid = typeof this.pid === "number" ? this.pid : this.pid();
    if (pid === null) return;
    try {
      process.kill(pid, "SIGIO");
    } catch {
      // already gone: the exit handler stops us
    }
  }
}
