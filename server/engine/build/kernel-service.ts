import { EventEmitter } from "node:events";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { buildKernel, kernelPlan, type CustomKernelRequest } from "../kernel/build";
import { customKernels, debianKernel, fastKernel, KernelError, removeCustomKernel, resolveKernel, type BuiltKernel } from "../kernel/kernels";
import { customKernelNameProblem } from "../../model/kernel";
import type { KernelChoice } from "../../model/lab";
import { ConflictError, NotFoundError } from "../../store/lab-store";
import { BuildJob, type BuildState } from "./build-job";
import { BadRequestError } from "../../api/http";

export interface KernelInfo {
  /** fast, debian, or a custom kernel's name (what a node's `kernel:` says). */
  name: string;
  kind: "fast" | "debian" | "custom";
  ready: boolean;
  release: string | null;
  /** Used by nodes that do not choose: the fast kernel once built. */
  isDefault: boolean;
  detail: string;
  /** Custom kernels: when the newest build was made, its fragment, and the fragment's options that did not end up as asked. */
  builtAt?: string | null;
  fragment?: string | null;
  warnings?: string[];
}

export interface KernelBuildState extends BuildState {
  /** The kernel being built (or built last): "fast" or a custom kernel's name; null before any build. */
  kernel: string | null;
}

const IDLE: BuildState = { state: "idle", progress: null, error: null, startedAt: null };

/**
 * The kernels nodes can boot, and their builds in the background, one at a
 * time: the fast kernel (which the console never waits for; nodes started
 * once it is done use it) and custom kernels, umlab's configuration with a
 * user's fragment over it.
 * Events: "status" (KernelBuildState), at most twice a second while building.
 */
export class KernelService extends EventEmitter {
  private readonly job = new BuildJob((s) => this.emit("status", this.withBuilt(s)));
  /** The build the job runs or ran last (custom: null for the fast kernel); null when there is none to report. */
  private last: { custom: CustomKernelRequest | null } | null = null;
  private abort: AbortController | null = null;

  /**
   * `inUse(name)`: the running nodes ("lab/node") that chose a kernel, which
   * then is not removed. `builder` builds (tests give one that compiles nothing).
   */
  constructor(
    private readonly root: string,
    private readonly inUse: (kernel: string) => Promise<string[]> = () => Promise.resolve([]),
    private readonly builder: typeof buildKernel = buildKernel,
  ) {
    super();
  }

  list(): KernelInfo[] {
    const fast = fastKernel(this.root);
    let debian: KernelInfo;
    try {
      const k = debianKernel();
      debian = { name: "debian", kind: "debian", ready: true, release: k.release, isDefault: !fast, detail: `Debian's user-mode-linux (${k.binary})` };
    } catch (e) {
      debian = { name: "debian", kind: "debian", ready: false, release: null, isDefault: false, detail: (e as Error).message };
    }
    return [
      {
        name: "fast",
        kind: "fast",
        ready: !!fast,
        release: fast?.release ?? null,
        isDefault: !!fast,
        detail: fast ? `umlab's own, built from ${fast.source} in ${fast.seconds} s` : this.describeFast(),
      },
      debian,
      ...this.listCustom(),
    ];
  }

  /** The newest build of each custom kernel, and the one being built (or whose build failed) if it has none. */
  private listCustom(): KernelInfo[] {
    const newest = new Map<string, BuiltKernel>();
    for (const k of customKernels(this.root)) if (!newest.has(k.name)) newest.set(k.name, k);
    const infos = new Map<string, KernelInfo>();
    for (const k of newest.values()) {
      const warned = k.warnings?.length ? `; ${k.warnings.length} option${k.warnings.length > 1 ? "s" : ""} not as asked` : "";
      infos.set(k.name, { name: k.name, kind: "custom", ready: true, release: k.release, isDefault: false, detail: `custom: umlab's configuration and this fragment, built from ${k.source} in ${k.seconds} s${warned}`, builtAt: k.builtAt, fragment: k.fragment ?? null, warnings: k.warnings ?? [] });
    }
    const b = this.job.state;
    const target = this.last?.custom;
    if (target && b.state !== "done" && b.state !== "idle") {
      const doing = b.state === "building" ? `building: step ${b.progress?.step ?? 1} of ${b.progress?.steps ?? 6}, ${b.progress?.label ?? "starting"}` : `the build failed: ${b.error}`;
      const built = infos.get(target.name);
      if (built) built.detail = `${doing} (nodes boot the build of ${built.builtAt} meanwhile)`;
      else infos.set(target.name, { name: target.name, kind: "custom", ready: false, release: null, isDefault: false, detail: doing, builtAt: null, fragment: target.fragment, warnings: [] });
    }
    return [...infos.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  status(): KernelBuildState {
    return this.withBuilt(this.job.state);
  }

  private withBuilt(s: BuildState): KernelBuildState {
    if (!this.last) return fastKernel(this.root) ? { ...IDLE, state: "done", kernel: "fast" } : { ...IDLE, kernel: null };
    const kernel = this.last.custom?.name ?? "fast";
    // The fast kernel built by someone else (provisioning, the CLI of another server) counts as done.
    return !this.last.custom && s.state !== "building" && fastKernel(this.root) ? { ...s, state: "done", kernel } : { ...s, kernel };
  }

  /** Starts the fast kernel's build in the background unless it is built or being built; another kernel being built is a ConflictError. */
  start(): KernelBuildState {
    if (this.job.busy) {
      if (!this.last?.custom) return this.status();
      throw this.busyError();
    }
    if (fastKernel(this.root)) return { ...IDLE, state: "done", kernel: "fast" };
    this.run(null);
    return this.status();
  }

  /**
   * Starts building a custom kernel: umlab's fragment with the user's merged
   * after it. A bad name or fragment is refused at once (400, every bad line
   * named); a kernel already built from the same inputs is done; while
   * another build runs it is a ConflictError saying which.
   */
  build(req: CustomKernelRequest): KernelBuildState {
    const plan = kernelPlan(this.root, req);
    if (this.job.busy) {
      const target = this.last?.custom;
      if (target?.name === req.name && target.fragment === plan.userFragment) return this.status();
      throw this.busyError();
    }
    if (existsSync(join(plan.dir, "kernel.json"))) return { ...IDLE, state: "done", kernel: req.name };
    this.run({ name: req.name, fragment: plan.userFragment! });
    return this.status();
  }

  private run(target: CustomKernelRequest | null): void {
    this.last = { custom: target };
    const abort = new AbortController();
    this.abort = abort;
    this.job.start(async (onProgress) => {
      const meta = await this.builder(this.root, { custom: target, onProgress, signal: abort.signal });
      // Older builds of the same name go, unless a running node may still reboot into one.
      if (target && !(await this.inUse(target.name)).length) removeCustomKernel(this.root, target.name, meta.id);
    });
  }

  private busyError(): ConflictError {
    const p = this.job.state.progress;
    const target = this.last?.custom;
    const what = target ? `the custom kernel "${target.name}"` : "the fast kernel";
    return new ConflictError(`${what} is being built (step ${p?.step ?? 1} of ${p?.steps ?? 6}${p ? `: ${p.label}` : ""}): one kernel is built at a time, try again when it is done`);
  }

  /**
   * Removes a custom kernel (every build of it); its build, if running, is
   * cancelled. Not while a running node chose it (ConflictError).
   */
  async remove(name: string): Promise<{ removed: string; cancelled: boolean; builds: number }> {
    const problem = customKernelNameProblem(name);
    if (problem) throw new BadRequestError(`only custom kernels can be removed: ${problem}`);
    const users = await this.inUse(name);
    if (users.length) throw new ConflictError(`kernel "${name}" is in use by ${users.join(", ")}: stop ${users.length > 1 ? "them" : "it"} first`);
    let cancelled = false;
    if (this.last?.custom?.name === name) {
      if (this.job.busy) {
        cancelled = true;
        this.abort?.abort();
        await this.job.settled();
      }
      // Its build, done, failed or cancelled, is forgotten with it.
      this.last = null;
      this.emit("status", this.status());
    }
    const builds = removeCustomKernel(this.root, name);
    if (!builds && !cancelled) throw new NotFoundError(`there is no custom kernel "${name}" (\`umlab kernel ls\` lists them)`);
    return { removed: name, cancelled, builds };
  }

  /**
   * Throws a KernelError, before anything runs, when a node's kernel cannot
   * boot: a custom kernel not built (saying so when it is being built), or
   * the fast one chosen before it is built.
   */
  assertReady(choices: Iterable<KernelChoice | null>): void {
    for (const choice of new Set(choices)) {
      try {
        resolveKernel(this.root, choice);
      } catch (e) {
        const p = this.job.state.progress;
        if (e instanceof KernelError && this.job.busy && (this.last?.custom?.name ?? "fast") === (choice ?? "fast"))
          throw new KernelError(`kernel "${choice}" is being built (step ${p?.step ?? 1} of ${p?.steps ?? 6}): start again when it is ready (labs page, \`umlab kernel ls\`)`);
        throw e;
      }
    }
  }

  /** Cancels a running build (the server is stopping): no compiler outlives it. */
  async cancel(): Promise<void> {
    if (!this.job.busy) return;
    this.abort?.abort();
    await this.job.settled();
  }

  /** Resolves when a running build ends (for the CLI's --wait and tests). */
  async settled(): Promise<KernelBuildState> {
    await this.job.settled();
    return this.status();
  }

  private describeFast(): string {
    try {
      kernelPlan(this.root);
    } catch (e) {
      return (e as Error).message;
    }
    const b = this.job.state;
    if (this.last && !this.last.custom && b.state === "building") return `building: step ${b.progress?.step ?? 1} of ${b.progress?.steps ?? 6}, ${b.progress?.label ?? "starting"}`;
    if (this.last && !this.last.custom && b.state === "failed") return `the build failed: ${b.error}`;
    return "not built yet: `umlab kernel build` builds it (about 10 minutes on 2 cores)";
  }
}
