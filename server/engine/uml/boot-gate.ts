import { availableParallelism } from "node:os";

/**
 * How many guests boot at once, across every lab of this process. A boot is
 * CPU work (about 0.2 s of a core for a busybox guest); a thousand started
 * together share the cores a thousand ways, each takes minutes, host-side
 * helpers (mke2fs, forks) wait behind them, and rare races in UML's boot
 * (see umlab.config, VMAP_STACK) get their chance. A few boots per core
 * keep the cores busy; the rest wait their turn, in order.
 */
export class BootGate {
  private busy = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  /** Resolves with the function that gives the slot back (calling it twice is harmless). */
  async acquire(): Promise<() => void> {
    if (this.busy >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    else this.busy++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const next = this.waiting.shift();
      if (next) next();
      else this.busy--;
    };
  }

  /** Boots running and waiting, for status and tests. */
  get load(): { booting: number; waiting: number } {
    return { booting: this.busy, waiting: this.waiting.length };
  }
}

function limitFromEnv(): number {
  const v = Number(process.env.UMLAB_BOOT_CONCURRENCY);
  return Number.isInteger(v) && v > 0 ? v : Math.max(4, availableParallelism() * 4);
}

export const bootGate = new BootGate(limitFromEnv());
