import { statSync } from "node:fs";

/** Why a guest rebooted: its watchdog fired (softdog's last words on the console), or anything else (reboot, sysrq b, a panic's reboot). */
export type RebootCause = "watchdog" | "guest";

export interface RebootInfo {
  cause: RebootCause;
  /** When the engine saw it (ms since the epoch). */
  at: number;
  /** Reboots since the node was started. */
  count: number;
}

/** A kernel going down to restart, or a new one's banner (Debian's kernel prints it; the fast one boots quiet). */
const RESTART = /reboot: Restarting system|(?:^|\n)Linux version \d/;
const WATCHDOG = /softdog: Initiating system reboot/;
/** How long a new boot takes at most to make its machine console socket. */
const CONFIRM_MS = 20000;
/** softdog's words count for a reboot that follows within this long. */
const WATCHDOG_WINDOW_MS = 10000;

/**
 * Tells that a guest rebooted. A rebooting UML execs itself again in the
 * same process, so the host sees no exit. The signs: the kernel's last
 * words or the new one's banner on the console, softdog's "Initiating
 * system reboot", or the exec agent announcing itself again; the proof is
 * the machine console socket, which each boot makes anew (a guest that
 * prints the words itself gets no new socket). softdog's words make the
 * cause "watchdog".
 */
export class RebootWatch {
  private tail = "";
  private watchdogAt = 0;
  /** The socket's inode and time: a new one may reuse the inode number, not both. */
  private socketId: string | null = null;
  private confirming = false;
  /** The agent announced itself while a reboot was being confirmed. */
  private readySeen = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    /** The guest's machine console socket (absolute). */
    private readonly socket: string,
    /** `back`: its exec agent has already said it is up again. */
    private readonly onReboot: (cause: RebootCause, back: boolean) => void,
  ) {}

  /** The boot is up: its socket is the one a reboot replaces. */
  booted(): void {
    this.socketId = this.id();
  }

  sawOutput(d: string): void {
    const text = this.tail + d;
    this.tail = text.slice(-256);
    const watchdog = WATCHDOG.test(text);
    if (watchdog) this.watchdogAt = Date.now();
    if (watchdog || RESTART.test(text)) this.confirm(false);
  }

  /** softdog said it is rebooting the guest, lately enough for the reboot to be its. */
  watchdogFired(): boolean {
    return Date.now() - this.watchdogAt < WATCHDOG_WINDOW_MS + CONFIRM_MS;
  }

  /** The exec agent said it is up, again. */
  sawReady(): void {
    if (this.confirming) this.readySeen = true;
    else this.confirm(true);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.confirming = false;
  }

  private confirm(back: boolean): void {
    if (this.socketId === null || this.confirming) return;
    this.confirming = true;
    this.readySeen = back;
    const old = this.socketId;
    const until = Date.now() + CONFIRM_MS;
    const poll = () => {
      this.timer = null;
      const now = this.id();
      if (now !== null && now !== old) {
        this.confirming = false;
        this.socketId = null;
        this.tail = "";
        this.onReboot(this.watchdogFired() ? "watchdog" : "guest", this.readySeen);
        this.watchdogAt = 0;
        return;
      }
      if (Date.now() > until) {
        this.confirming = false;
        return;
      }
      this.timer = setTimeout(poll, 100);
      this.timer.unref();
    };
    poll();
  }

  private id(): string | null {
    try {
      const st = statSync(this.socket);
      return `${st.ino}:${st.ctimeMs}`;
    } catch {
      return null;
    }
  }
}
