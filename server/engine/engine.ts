import { idleDisks, type DiskStatus } from "./disk/lab-disk-watch";
import { ExtraDisks } from "./disk/extra-disks";
import { EventEmitter } from "node:events";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Lab, Node } from "../model/lab";
import { NodeDisk } from "./disk/node-disk";
import { KeyedLock } from "./lab-lock";
import { inLab } from "./lab-context";
import type { CaptureInfo, PacketRow } from "./capture/types";
import { LabRun, type LabStatus } from "./lab-run";
import { Revisions, type LiveEvent, type LivePatch } from "./live";
import { dataRoot, labPaths } from "./paths";
import { Sandbox } from "./sandbox";
import { reapRun } from "./reap";
import { idleLinks } from "./switch/link-faults";
import { idleCables } from "./serial/serial-lines";

const crashFile = (root: string, id: string) => join(labPaths(root, id).dir, "crashed.txt");

/**
 * Runs labs on this host. It knows nothing of HTTP, sockets or databases:
 * give it a Lab and the lab's id, it starts processes. Every change to a
 * lab's live state goes through `commit`, which gives it the lab's next
 * revision and emits it as one "patch" event (LiveEvent); console output is
 * the "console" event (id, node, data). The commands a server may send are
 * in engine-commands.ts; `run()` is for the engine's own tests and the bench.
 */
export class Engine extends EventEmitter {
  readonly root: string;
  private readonly runs = new Map<string, LabRun>();
  /** Starts and stops of one lab wait for each other; those of different labs do not. */
  private readonly locks = new KeyedLock();
  private readonly revs = new Revisions();
  /** Committed events not yet sent (see `commit`), and whether they are being sent. */
  private readonly outbox: LiveEvent[] = [];
  private sending = false;
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

  /** The run of a lab, by id: for the engine's code, its tests and the bench; servers use the commands. */
  run(id: string): LabRun | undefined {
    return this.runs.get(id);
  }

  /** The running nodes ("lab/node") that chose this kernel (a custom kernel must not be removed under them). */
  kernelUsers(kernel: string): string[] {
    return this.upNodesWhere((n) => n.kernel === kernel);
  }

  /** The running nodes ("lab/node") booted from this image (a user's recipe must not be removed under them). */
  imageUsers(image: string): string[] {
    return this.upNodesWhere((n) => n.image === image);
  }

  private upNodesWhere(test: (def: Node) => boolean): string[] {
    return [...this.runs.values()].flatMap((run) => [...run.nodes.values()].filter((n) => n.isUp && test(n.node)).map((n) => `${run.lab.name}/${n.name}`));
  }

  /**
   * The run of a lab, created (not started) from its definition when there
   * is none. `id` is the lab's key (its database id); labs run without a
   * store (tests, the bench) go by their name.
   */
  prepare(lab: Lab, id = lab.name): LabRun {
    const existing = this.runs.get(id);
    if (existing) return existing;
    const run = new LabRun(id, lab, this.root, this.sandbox);
    run.on("node-state", (node) => this.commit(id, { kind: "node", node }));
    run.on("link-state", (link) => this.commit(id, { kind: "link", link }));
    run.on("switch-state", (sw) => this.commit(id, { kind: "switch", switch: sw }));
    run.on("cable-state", (cable) => this.commit(id, { kind: "cable", cable }));
    run.on("lab-state", () => this.commit(id, { kind: "lab", state: run.status(this.revs.current(id)) }));
    run.on("console", (node: string, data: string) => this.emit("console", id, node, data));
    run.on("capture-state", (captures: CaptureInfo[]) => this.commit(id, { kind: "captures", captures }));
    run.on("disk-state", (disks: DiskStatus[]) => this.commit(id, { kind: "disks", disks }));
    run.on("capture-rows", (capture: string, rows: PacketRow[], skipped: number) => this.emit("capture-rows", id, capture, rows, skipped));
    this.runs.set(id, run);
    return run;
  }

  /**
   * The one way a lab's live state changes: the change gets the lab's next
   * revision and goes out as a "patch" event. A whole-lab patch carries the
   * same revision inside its state.
   */
  commit(id: string, patch: LivePatch): LiveEvent {
    const rev = this.revs.next(id);
    const ev: LiveEvent = { lab: id, rev, patch: patch.kind === "lab" ? { kind: "lab", state: { ...patch.state, rev } } : patch };
    // A listener may commit while an event is being sent (a lab going down ends its scenario): that
    // event waits for this one, or the later listeners (the servers) would send the newer revision
    // first and a follower would drop the older one as stale.
    this.outbox.push(ev);
    if (!this.sending) {
      this.sending = true;
      try {
        for (let next = this.outbox.shift(); next; next = this.outbox.shift()) this.emit("patch", next);
      } finally {
        this.sending = false;
      }
    }
    return ev;
  }

  /** The revision of a lab's (or BUILDS') live state now. */
  revision(id: string): number {
    return this.revs.current(id);
  }

  /** Runs `work` when no start or stop of this lab is under way, and holds the others off until it ends. */
  withLab<T>(id: string, work: () => Promise<T>): Promise<T> {
    return this.locks.run(id, () => inLab(id, work));
  }

  /**
   * Marks a running lab failed after an error nobody caught in its code: its
   * status says so (and why) until it is stopped; the server and every other
   * lab go on.
   */
  fail(id: string, reason: string): void {
    const run = this.runs.get(id);
    if (!run) return;
    run.failure = reason.slice(0, 500);
    this.commit(id, { kind: "failure", failure: run.failure });
  }

  start(lab: Lab, id = lab.name): Promise<LabRun> {
    return this.withLab(id, async () => {
      this.clearCrash(id);
      const run = this.prepare(lab, id);
      try {
        await run.start();
      } catch (e) {
        this.forget(id);
        throw e;
      }
      return run;
    });
  }

  /** Stops a lab's run; its state afterwards (stopped, from the definition it ran). */
  stop(id: string): Promise<void> {
    return this.withLab(id, async () => {
      const run = this.runs.get(id);
      if (!run) return;
      await run.stop();
      this.forget(id);
    });
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.runs.keys()].map((id) => this.stop(id)));
  }

  /** A lab's live state: its run's, or `lab` stopped. */
  status(lab: Lab, id = lab.name): LabStatus {
    const rev = this.revs.current(id);
    const run = this.runs.get(id);
    if (run) return run.status(rev);
    return {
      id,
      lab: lab.name,
      rev,
      running: false,
      nodes: lab.nodes.map((n) => ({ name: n.name, state: "stopped", pid: null, reason: null })),
      switches: lab.switches.map((s) => ({ name: s.name, kind: s.kind, mode: s.mode, pid: null, paused: false })),
      links: idleLinks(lab),
      gateways: lab.gateways.map((g) => ({ name: g.name, switch: g.switch, pid: null })),
      cables: idleCables(lab.cables),
      captures: [],
      disks: idleDisks(lab, new ExtraDisks(labPaths(this.root, id).disks)),
      failure: this.crashNote(id),
    };
  }

  /** Why the lab is down when an engine before this one died under it (reapLeftovers), or null. */
  private crashNote(id: string): string | null {
    try {
      return readFileSync(crashFile(this.root, id), "utf8").slice(0, 500) || null;
    } catch {
      return null;
    }
  }

  private clearCrash(id: string): void {
    rmSync(crashFile(this.root, id), { force: true });
  }

  /** Deletes a lab's disks and folder; the lab must be stopped. */
  removeLabFiles(id: string): void {
    if (this.runs.has(id)) throw new Error(`lab ${id} is running: stop it first`);
    rmSync(labPaths(this.root, id).dir, { recursive: true, force: true });
  }

  /**
   * Deletes the disk of every node of a lab that is not in `keep` and not
   * up (a node deleted from its lab), so a later node of that name starts on
   * a clean one. A node still running keeps its disk until it stops and this
   * is asked again. Returns the nodes whose disks went.
   */
  pruneNodeFiles(id: string, keep: string[], keepDisks: string[] | null): string[] {
    const disks = labPaths(this.root, id).disks;
    if (!existsSync(disks)) return [];
    const kept = new Set(keep);
    const up = this.runs.get(id)?.nodes;
    const gone = new Set(NodeDisk.nodesIn(disks).filter((n) => !kept.has(n) && !up?.get(n)?.isUp));
    for (const n of gone) new NodeDisk(disks, n).wipe();
    if (keepDisks) {
      // An extra disk in a running guest's slot stays until it is let go of, as a running node's COW does.
      const inUse = new Set([...(up?.values() ?? [])].filter((n) => n.isUp).flatMap((n) => n.disks.list().map((d) => d.name)));
      const extra = new ExtraDisks(disks);
      for (const name of extra.names()) if (!keepDisks.includes(name) && !inUse.has(name)) extra.wipe(name);
    }
    return [...gone];
  }

  /**
   * Moves a lab's folder from an older key (its name, before labs were
   * keyed by id) to its id; nothing when there is nothing to move or the id
   * has a folder already.
   */
  rekeyLabFiles(from: string, to: string): boolean {
    if (from === to || this.runs.has(from)) return false;
    const src = labPaths(this.root, from).dir;
    const dst = labPaths(this.root, to).dir;
    if (!existsSync(src) || existsSync(dst)) return false;
    renameSync(src, dst);
    return true;
  }

  private forget(id: string): void {
    const run = this.runs.get(id);
    run?.removeAllListeners();
    this.runs.delete(id);
  }

  /**
   * Ends what an earlier server left running in the labs' run directories
   * (reap.ts: by state.json, then by /proc) and removes those directories.
   * Returns the keys of the labs it found something of.
   */
  async reapLeftovers(): Promise<string[]> {
    const labsDir = join(this.root, "labs");
    if (!existsSync(labsDir)) return [];
    const reaped: string[] = [];
    for (const id of readdirSync(labsDir)) {
      if (this.runs.has(id) || this.locks.busy(id)) continue;
      let run: string;
      try {
        run = labPaths(this.root, id).run;
      } catch {
        continue; // not a lab's folder
      }
      if (!existsSync(run)) continue;
      if (await reapRun(run)) reaped.push(id);
      rmSync(run, { recursive: true, force: true });
      // A run directory outlives only an engine that died without stopping its labs: the lab says so until it starts again.
      writeFileSync(crashFile(this.root, id), `the umlab engine ended unexpectedly while this lab ran (noticed ${new Date().toISOString()}); its guests were ended: start it again`);
    }
    return reaped;
  }
}
