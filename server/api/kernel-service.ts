import { EventEmitter } from "node:events";
import { buildKernel, kernelPlan, type BuildProgress } from "../engine/kernel/build";
import { debianKernel, fastKernel } from "../engine/kernel/kernels";

export interface KernelInfo {
  name: "fast" | "debian";
  ready: boolean;
  release: string | null;
  /** Used by nodes that do not choose: the fast kernel once built. */
  isDefault: boolean;
  detail: string;
}

export interface KernelBuildState {
  state: "idle" | "building" | "failed" | "done";
  progress: BuildProgress | null;
  error: string | null;
  startedAt: string | null;
}

const EMIT_EVERY_MS = 500;

/**
 * The kernels nodes can boot, and the background build of the fast one:
 * the console never waits for it; nodes started once it is done use it.
 * Events: "status" (KernelBuildState), at most twice a second while building.
 */
export class KernelService extends EventEmitter {
  private build: KernelBuildState = { state: "idle", progress: null, error: null, startedAt: null };
  private running: Promise<void> | null = null;
  private lastEmit = 0;

  constructor(private readonly root: string) {
    super();
  }

  list(): KernelInfo[] {
    const fast = fastKernel(this.root);
    let debian: KernelInfo;
    try {
      const k = debianKernel();
      debian = { name: "debian", ready: true, release: k.release, isDefault: !fast, detail: `Debian's user-mode-linux (${k.binary})` };
    } catch (e) {
      debian = { name: "debian", ready: false, release: null, isDefault: false, detail: (e as Error).message };
    }
    return [
      {
        name: "fast",
        ready: !!fast,
        release: fast?.release ?? null,
        isDefault: !!fast,
        detail: fast ? `umlab's own, built from ${fast.source} in ${fast.seconds} s` : this.describeBuild(),
      },
      debian,
    ];
  }

  status(): KernelBuildState {
    return fastKernel(this.root) && this.build.state !== "building" ? { ...this.build, state: "done" } : this.build;
  }

  /** Starts the fast kernel's build in the background unless it is built or being built. */
  start(): KernelBuildState {
    if (this.running || fastKernel(this.root)) return this.status();
    this.build = { state: "building", progress: null, error: null, startedAt: new Date().toISOString() };
    this.emitStatus(true);
    this.running = buildKernel(this.root, (p) => {
      this.build.progress = p;
      this.emitStatus(false);
    })
      .then(() => {
        this.build = { ...this.build, state: "done" };
      })
      .catch((e: Error) => {
        this.build = { ...this.build, state: "failed", error: e.message };
      })
      .finally(() => {
        this.running = null;
        this.emitStatus(true);
      });
    return this.status();
  }

  /** Resolves when a running build ends (for the CLI's --wait and tests). */
  async settled(): Promise<KernelBuildState> {
    await this.running;
    return this.status();
  }

  private describeBuild(): string {
    try {
      kernelPlan(this.root);
    } catch (e) {
      return (e as Error).message;
    }
    const b = this.build;
    if (b.state === "building") return `building: step ${b.progress?.step ?? 1} of ${b.progress?.steps ?? 6}, ${b.progress?.label ?? "starting"}`;
    if (b.state === "failed") return `the build failed: ${b.error}`;
    return "not built yet: `umlab kernel build` builds it (about 10 minutes on 2 cores)";
  }

  private emitStatus(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastEmit < EMIT_EVERY_MS) return;
    this.lastEmit = now;
    this.emit("status", this.status());
  }
}
