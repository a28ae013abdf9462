/**
 * Flow control for one browser watching one console. The guest is never
 * slowed down for a viewer: when a viewer falls more than `high` characters
 * behind (a `yes` flood into a slow page), it stops getting output; once it has
 * caught up to `low`, it gets the recent screen again in one piece, marked as a
 * reset, and then the live output. The page stays responsive and ends up
 * showing what the console shows.
 */
export interface ConsoleStreamLimits {
  high: number;
  low: number;
  /** How much recent output a catching-up viewer is sent. */
  snapshot: number;
}

export const DEFAULT_LIMITS: ConsoleStreamLimits = { high: 64 * 1024, low: 16 * 1024, snapshot: 32 * 1024 };

export class ConsoleStream {
  private unacked = 0;
  private behind = false;
  /**
   * Until the screen the viewer starts from is read (`counted`), output is
   * dropped: the engine sends it before its answer with the screen, which
   * holds it already.
   */
  private started = false;
  private catchingUp = false;
  skipped = 0;

  constructor(
    private readonly send: (data: string, reset: boolean) => void,
    /** The screen now, read from the engine (in order with its output: what came before is in it). */
    private readonly recent: () => Promise<string>,
    private readonly limits: ConsoleStreamLimits = DEFAULT_LIMITS,
  ) {}

  get lagging(): boolean {
    return this.behind;
  }

  /** The viewer got the screen (`chars` long) another way (the replay in the attach answer): live output follows. */
  counted(chars: number): void {
    this.started = true;
    this.unacked += chars;
  }

  push(data: string): void {
    if (!this.started) return;
    if (this.behind) {
      this.skipped += data.length;
      return;
    }
    this.emit(data, false);
    if (this.unacked > this.limits.high) this.behind = true;
  }

  /** The viewer has rendered `chars` more characters. */
  ack(chars: number): void {
    if (!Number.isFinite(chars) || chars <= 0) return;
    this.unacked = Math.max(0, this.unacked - chars);
    if (this.behind && this.unacked <= this.limits.low && !this.catchingUp) {
      // Still behind while the screen is read: what arrives meanwhile is in it.
      this.catchingUp = true;
      this.recent().then(
        (screen) => {
          this.catchingUp = false;
          this.behind = false;
          this.emit(lastLines(screen, this.limits.snapshot), true);
        },
        () => {
          this.catchingUp = false;
        },
      );
    }
  }


  private emit(data: string, reset: boolean): void {
    if (!data && !reset) return;
    this.unacked += data.length;
    this.send(data, reset);
  }
}

/** At most `limit` characters from the end of `text`, starting at a line. */
export function lastLines(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const cut = text.slice(text.length - limit);
  const nl = cut.indexOf("\n");
  return nl >= 0 && nl < cut.length - 1 ? cut.slice(nl + 1) : cut;
}
