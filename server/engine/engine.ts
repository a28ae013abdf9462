import { EventEmitter } from "node:events";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Lab } from "../model/lab";
import { KeyedLock } from "./lab-lock";
import { inLab } from "./lab-context";
import { LabRun, type LabStatus } from "./lab-run";
import { dataRoot, labPaths } from "./paths";
import { Sandbox } from "./sandbox";
import { reapRun } from "./reap";
import { idleLinks } from "./switch/link-faults";

/**
 * Runs labs on this host. It knows nothing of HTTP, sockets or databases:
 * give it a Lab, it starts processes and reports their state through events
 * ("node-state" lab NodeStatus, "console" lab node data, "lab" LabStatus,
 * "link-state" lab LinkStatus).
 */
export class Engine extends EventEmitter {
  readonly root: string;
  private readonly runs = new Map<string, LabRun>();
  /** Starts and stops of one lab wait for each other; those of different labs do not. */
  private readonly locks = new KeyedLock();

  private readonly sandbox: Sandbox;

  /**
   * `sandbox: false` runs the labs' host processes outside their sandbox:
   * only the bench asks for it, to measure what the sandbox costs.
   */
  constructor(root = dataRoot(), options: { sandbox?: boolean } = {}) {
    super();
    this.root = root;
    this.sandbox = options.sandbox === false ? Sandbox.none() : Sandbox.host();
  }

  run(lab: string): LabRun | undefined {
    return this.runs.get(lab);
  }

  /** The running nodes ("lab/node") that chose this kernel (a custom kernel must not be removed under them). */
  kernelUsers(kernel: string): string[] {
    return [...this.runs.values()].flatMap((run) => [...run.nodes.values()].filter((n) => n.isUp && n.node.kernel === kernel).map((n) => `${run.lab.name}/${n.name}`));
  }

  /** The run of a lab, created (not started) from its definition when there is none. */
  prepare(lab: Lab): LabRun {
    const existing = this.runs.get(lab.name);
    if (existing) return existing;
    const run = new LabRun(lab, this.root, this.sandbox);
    run.on("node-state", (l, s) => this.emit("node-state", l, s));
    run.on("console", (l, n, d) => this.emit("console", l, n, d));
    run.on("link-state", (l, s) => this.emit("link-state", l, s));
    this.runs.set(lab.name, run);
    return run;
  }

  /** Runs `work` when no start or stop of this lab is under way, and holds the others off until it ends. */
  withLab<T>(name: string, work: () => Promise<T>): Promise<T> {
    return this.locks.run(name, () => inLab(name, work));
  }

  /**
   * Marks a running lab failed after an error nobody caught in its code: its
   * status says so (and why) until it is stopped; the server and every other
   * lab go on.
   */
  fail(name: string, reason: string): void {
    const run = this.runs.get(name);
    if (!run) return;
    run.failure = reason.slice(0, 500);
    this.emit("lab", run.status());
  }

  start(lab: Lab): Promise<LabRun> {
    return this.withLab(lab.name, async () => {
      const run = this.prepare(lab);
      try {
        await run.start();
      } catch (e) {
        this.forget(lab.name);
        throw e;
      }
      this.emit("lab", run.status());
      return run;
    });
  }

  stop(name: string): Promise<void> {
    return this.withLab(name, async () => {
      const run = this.runs.get(name);
      if (!run) return;
      await run.stop();
      this.forget(name);
      this.emit("lab", run.status());
    });
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.runs.keys()].map((n) => this.stop(n)));
  }

  status(lab: Lab): LabStatus {
    const run = this.runs.get(lab.name);
    if (run) return run.status();
    return {
      lab: lab.name,
      running: false,
      nodes: lab.nodes.map((n) => ({ name: n.name, state: "stopped", pid: null, reason: null })),
      switches: lab.switches.map((s) => ({ name: s.name, kind: s.kind, mode: s.mode, pid: null, paused: false })),
      links: idleLinks(lab),
      gateways: lab.gateways.map((g) => ({ name: g.name, switch: g.switch, pid: null })),
    };
  }

  /** Deletes a lab's disks and folder; the lab must be stopped. */
  removeLabFiles(name: string): void {
    if (this.runs.has(name)) throw new Error(`lab ${name} is running: stop it first`);
    rmSync(labPaths(this.root, name).dir, { recursive: true, force: true });
  }

  private forget(name: string): void {
    const run = this.runs.get(name);
    run?.removeAllListeners();
    this.runs.delete(name);
  }

  /**
   * Ends what an earlier server left running in the labs' run directories
   * (reap.ts: by state.json, then by /proc) and removes those directories.
   */
  async reapLeftovers(): Promise<string[]> {
    const labsDir = join(this.root, "labs");
    if (!existsSync(labsDir)) return [];
    const reaped: string[] = [];
    for (const name of readdirSync(labsDir)) {
      if (this.runs.has(name) || this.locks.busy(name)) continue;
      const { run } = labPaths(this.root, name);
      if (!existsSync(run)) continue;
      if (await reapRun(run)) reaped.push(name);
      rmSync(run, { recursive: true, force: true });
    }
    return reaped;
  }
}
