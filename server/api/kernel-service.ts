import { EventEmitter } from "node:events";
import { buildKernel, kernelPlan } from "../engine/kernel/build";
import { debianKernel, fastKernel } from "../engine/kernel/kernels";
import { BuildJob, type BuildState } from "./build-job";

export interface KernelInfo {
  name: "fast" | "debian";
  ready: boolean;
  release: string | null;
  /** Used by nodes that do not choose: the fast kernel once built. */
  isDefault: boolean;
  detail: string;
}

export type KernelBuildState = BuildState;

/**
 * The kernels nodes can boot, and the background build of the fast one:
 * the console never waits for it; nodes started once it is done use it.
 * Events: "status" (KernelBuildState), at most twice a second while building.
 */
export class KernelService extends EventEmitter {
  private readonly job = new BuildJob((s) => this.emit("status", this.withBuilt(s)));

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
    return this.withBuilt(this.job.state);
  }

  private withBuilt(s: BuildState): KernelBuildState {
    return fastKernel(this.root) && s.state !== "building" ? { ...s, state: "done" } : s;
  }

  /** Starts the fast kernel's build in the background unless it is built or being built. */
  start(): KernelBuildState {
    if (!this.job.busy && !fastKernel(this.root)) this.job.start((onProgress) => buildKernel(this.root, onProgress));
    return this.status();
  }

  /** Resolves when a running build ends (for the CLI's --wait and tests). */
  async settled(): Promise<KernelBuildState> {
    await this.job.settled();
    return this.status();
  }

  private describeBuild(): string {
    try {
      kernelPlan(this.root);
    } catch (e) {
      return (e as Error).message;
    }
    const b = this.job.state;
    if (b.state === "building") return `building: step ${b.progress?.step ?? 1} of ${b.progress?.steps ?? 6}, ${b.progress?.label ?? "starting"}`;
    if (b.state === "failed") return `the build failed: ${b.error}`;
    return "not built yet: `umlab kernel build` builds it (about 10 minutes on 2 cores)";
  }
}
