import type { BuildProgress } from "./steps";

export interface BuildState {
  state: "idle" | "building" | "failed" | "done";
  progress: BuildProgress | null;
  error: string | null;
  startedAt: string | null;
}

const EMIT_EVERY_MS = 500;

/**
 * One background build (a kernel, an image): at most one at a time, its
 * progress reported at most twice a second, its failure kept to be shown.
 */
export class BuildJob {
  private s: BuildState = { state: "idle", progress: null, error: null, startedAt: null };
  private running: Promise<void> | null = null;
  private lastEmit = 0;

  constructor(private readonly onStatus: (s: BuildState) => void) {}

  get state(): BuildState {
    return this.s;
  }

  get busy(): boolean {
    return this.running !== null;
  }

  /** Starts `build` unless one runs; it gets a progress callback. */
  start(build: (onProgress: (p: BuildProgress) => void) => Promise<unknown>): void {
    if (this.running) return;
    this.s = { state: "building", progress: null, error: null, startedAt: new Date().toISOString() };
    this.emit(true);
    this.running = build((p) => {
      this.s.progress = p;
      this.emit(false);
    })
      .then(() => {
        this.s = { ...this.s, state: "done" };
      })
      .catch((e: Error) => {
        this.s = { ...this.s, state: "failed", error: e.message };
      })
      .finally(() => {
        this.running = null;
        this.emit(true);
      });
  }

  /** Resolves when a running build ends. */
  async settled(): Promise<BuildState> {
    await this.running;
    return this.s;
  }

  private emit(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastEmit < EMIT_EVERY_MS) return;
    this.lastEmit = now;
    this.onStatus(this.s);
  }
}
