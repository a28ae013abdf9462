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

/** A console's screen as the engine read it, and the number of the last output chunk it holds. */
export interface ScreenAt {
  screen: string;
  seq: number;
}

/** Output kept while a screen is being read, at most (beyond it, the screen is read again). */
const MAX_HELD = 1024 * 1024;

export class ConsoleStream {
  private unacked = 0;
  private behind = false;
  /** Until the viewer has its starting screen (`start`), output is held, not sent. */
  private started = false;
  private catchingUp = false;
  /**
   * Output that came while a screen was being read: the engine numbers each
   * chunk, and what the screen already holds is dropped when it comes, the
   * rest sent after it. It may come before or after the screen's answer.
   */
  private held: { data: string; seq: number }[] = [];
  private heldChars = 0;
  /** Held output overflowed while a screen was read: read it again once that one is sent. */
  private again = false;
  skipped = 0;

  constructor(
    private readonly send: (data: string, reset: boolean) => void,
    /** The screen now, read from the engine. */
    private readonly recent: () => Promise<ScreenAt>,
    private readonly limits: ConsoleStreamLimits = DEFAULT_LIMITS,
  ) {}

  get lagging(): boolean {
    return this.behind;
  }

  /** The viewer got the screen another way (the replay in the attach answer): live output after `at` follows. */
  start(at: ScreenAt): void {
    this.started = true;
    this.unacked += at.screen.length;
    this.release(at.seq);
  }

  push(data: string, seq: number): void {
    if (!this.started || this.catchingUp) return this.hold(data, seq);
    if (this.behind) {
      this.skipped += data.length;
      return;
    }
    this.emit(data, false);
    if (this.unacked > this.limits.high) this.behind = true;
  }

  /** Output was lost on the way (the engine dropped it, or restarted): the viewer gets the screen again, whole. */
  resync(): void {
    if (!this.started) return;
    this.behind = true;
    this.unacked = 0;
    this.catchUp();
  }

  /** The viewer has rendered `chars` more characters. */
  ack(chars: number): void {
    if (!Number.isFinite(chars) || chars <= 0) return;
    this.unacked = Math.max(0, this.unacked - chars);
    if (this.behind && this.unacked <= this.limits.low) this.catchUp();
  }

  /** Sends the screen as it is now, marked as a reset, then what came after it. */
  private catchUp(): void {
    if (this.catchingUp) return;
    this.catchingUp = true;
    this.recent().then(
      (at) => {
        this.catchingUp = false;
        this.behind = false;
        this.emit(lastLines(at.screen, this.limits.snapshot), true);
        this.release(at.seq);
        if (this.again) {
          this.again = false;
          this.behind = true;
          this.catchUp();
        }
      },
      () => {
        this.catchingUp = false;
        this.held = [];
        this.heldChars = 0;
      },
    );
  }

  private hold(data: string, seq: number): void {
    this.held.push({ data, seq });
    this.heldChars += data.length;
    if (this.heldChars > MAX_HELD) {
      // Too much to keep: the newest screen will hold it all.
      this.held = [];
      this.heldChars = 0;
      if (this.catchingUp) this.again = true;
      else if (this.started) this.behind = true;
    }
  }

  /** Sends what was held and is newer than the screen the viewer has. */
  private release(seq: number): void {
    const later = this.held.filter((h) => h.seq > seq);
    this.held = [];
    this.heldChars = 0;
    for (const h of later) this.push(h.data, h.seq);
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
