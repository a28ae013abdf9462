import { EventEmitter } from "node:events";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Lab, Node, Switch } from "../model/lab";
import { assertImageKnown, resolveImage } from "./image/images";
import { resolveKernel } from "./kernel/kernels";
import { labPaths, runRel, type LabPaths } from "./paths";
import { GatewayProcess } from "./gateway/gateway-process";
import { Sandbox } from "./sandbox";
import { removeRingDir, switchTapPlugin } from "./capture/switch-rings";
import { LinkFaults, linkName, type LinkStatus } from "./switch/link-faults";
import { Captures } from "./capture/captures";
import type { CaptureInfo, PacketRow } from "./capture/types";
import { SwitchProcess } from "./switch/switch-process";
import { SerialLines, type CableStatus } from "./serial/serial-lines";
import { UmlNode, type NodeContext, type NodeStatus } from "./uml/uml-node";
import { ptyShortage } from "./uml/host-ptys";
import { LabDiskWatch, type DiskStatus } from "./disk/lab-disk-watch";
import { ExtraDisks } from "./disk/extra-disks";
import type { Disk } from "../model/disk";

export class LabRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LabRunError";
  }
}

export interface SwitchStatus {
  name: string;
  kind: Switch["kind"];
  mode: Switch["mode"];
  pid: number | null;
  paused: boolean;
}

export interface LabStatus {
  /** The lab's id (runs, rooms and run directories are keyed by it). */
  id: string;
  /** Its name when the state was read. */
  lab: string;
  /** The revision of the lab's live state this is (live.ts): newer states have larger ones. */
  rev: number;
  running: boolean;
  nodes: NodeStatus[];
  switches: SwitchStatus[];
  /** Every node interface plugged into a switch, and its faults. */
  links: LinkStatus[];
  gateways: GatewayStatus[];
  /** Its serial cables, whole or cut (absent from an engine before cables). */
  cables?: CableStatus[];
  /** Its captures, running or stopped (their counts as of the last second). */
  captures: CaptureInfo[];
  /** Its extra disks: who has each in a slot, and who holds its lock (absent from an engine before disks). */
  disks?: DiskStatus[];
  /** Set when an unexpected error hit the lab's code (Engine.fail): stop and start it again. */
  failure?: string | null;
}

export interface GatewayStatus {
  name: string;
  switch: string | null;
  pid: number | null;
}

/**
 * A lab brought up on this host: its switches (started first, all of them)
 * and its nodes. Events, each about this run: "node-state" (NodeStatus),
 * "console" (node or serial line, data), "cable-state" (CableStatus), "link-state" (LinkStatus), "switch-state"
 * (SwitchStatus), "lab-state" (up or down: the lab's switches came up,
 * or the run stopped), "capture-state" (CaptureInfo[]) and "capture-rows"
 * (capture id, PacketRow[]).
 */
export class LabRun extends EventEmitter {
  readonly paths: LabPaths;
  readonly nodes = new Map<string, UmlNode>();
  /** Why the lab failed (Engine.fail), or null. */
  failure: string | null = null;
  readonly switches = new Map<string, SwitchProcess>();
  readonly links: LinkFaults;
  readonly captures: Captures;
  readonly gateways = new Map<string, GatewayProcess>();
  /** The nodes' serial lines and the cables between them, kept from a node's first start to the lab's stop. */
  readonly serial: SerialLines;
  /** The lab's extra disk files (disks/extra). */
  readonly extraDisks: ExtraDisks;
  /** Who holds each disk, followed while the lab is up. */
  readonly diskWatch: LabDiskWatch;
  private switchesUp = false;
  private current: Lab;
  private readonly nodeContext: NodeContext;

  constructor(
    /** The lab's id: its folder (paths.ts) and its key in the engine. */
    readonly id: string,
    lab: Lab,
    readonly root: string,
    /** How the lab's host processes are confined: always sandboxed, but for the bench's comparison. */
    private readonly sandbox: Sandbox = Sandbox.host(),
  ) {
    super();
    this.current = lab;
    this.paths = labPaths(root, id);
    const switchDefs = new Map(lab.switches.map((s) => [s.name, s]));
    this.extraDisks = new ExtraDisks(this.paths.disks);
    this.diskWatch = new LabDiskWatch(this);
    this.diskWatch.on("change", (disks: DiskStatus[]) => this.emit("disk-state", disks));
    this.nodeContext = {
      root,
      lab: lab.name,
      runDir: this.paths.run,
      disksDir: this.paths.disks,
      switches: switchDefs,
      shared: lab.shared,
      ports: (n) => this.portsOf(n),
      serialTtys: (n) => this.serial.ttys(n),
      sandbox,
      extraDisks: this.extraDisks,
      disk: (name) => this.current.disks.find((d) => d.name === name),
      diskHolder: (name) => this.diskWatch.holder(name),
    };
    this.serial = new SerialLines(lab.cables, { running: (n) => this.nodes.get(n)?.state === "running", nudge: (n) => this.nodes.get(n)?.nudge() });
    this.serial.on("data", (line: string, d: string) => this.emit("console", line, d));
    this.serial.on("cable", (c: CableStatus) => this.emit("cable-state", c));
    for (const s of lab.switches) this.switches.set(s.name, new SwitchProcess(s, this.paths.run, sandbox, () => switchTapPlugin(root)));
    this.links = new LinkFaults(this.switches, this.paths.run);
    this.links.on("change", (l: LinkStatus) => {
      this.writeState();
      this.emit("link-state", l);
    });
    this.captures = new Captures(this);
    this.captures.on("change", (list: CaptureInfo[]) => {
      this.writeState();
      this.emit("capture-state", list);
    });
    this.captures.on("rows", (capture: string, rows: PacketRow[], skipped: number) => this.emit("capture-rows", capture, rows, skipped));
    // A vde switch's tap takes its first free port when it starts, 1: no node may be given it.
    for (const s of this.switches.values()) if (s.sw.tap && s.sw.kind === "vde") s.ports.allocate(`tap:${s.sw.tap.name}`);
    for (const n of lab.nodes) this.wire(n);
    for (const g of lab.gateways) {
      const port = g.switch === null ? null : (this.switches.get(g.switch)?.ports.allocate(`gateway:${g.name}`) ?? null);
      this.gateways.set(g.name, new GatewayProcess(g, this.paths.run, port, { root, sandbox }));
    }
  }

  /**
   * The definition this run stands for: the one it started with, with the
   * node definitions applied since (applyNode). Replaced, never mutated, so a
   * caller holding the old one keeps a consistent picture.
   */
  get lab(): Lab {
    return this.current;
  }

  /** Each interface on a vde switch gets its port there, kept for the whole run (in lab order: the same ports every run). */
  private plugPorts(def: Node): void {
    for (const i of def.interfaces) {
      const sw = i.switch === null ? undefined : this.switches.get(i.switch);
      if (sw?.sw.kind === "vde") sw.ports.allocate(linkName(def.name, i.index));
    }
  }

  private portsOf(node: string): Map<number, number> {
    const ports = new Map<number, number>();
    for (const i of this.nodes.get(node)?.node.interfaces ?? []) {
      const port = i.switch === null ? null : (this.switches.get(i.switch)?.ports.get(linkName(node, i.index)) ?? null);
      if (port !== null) ports.set(i.index, port);
    }
    return ports;
  }

  private wire(def: Node): UmlNode {
    this.plugPorts(def);
    const node = new UmlNode(def, this.nodeContext);
    node.on("state", (s: NodeStatus) => {
      if (s.state !== "running" && s.state !== "booting") this.serial.nodeDown(s.name);
      this.diskWatch.poke();
      this.writeState();
      this.emit("node-state", s);
    });
    node.on("data", (d: string) => this.emit("console", def.name, d));
    this.nodes.set(def.name, node);
    return node;
  }

  /** A node the lab gained while running; it is started separately (startNode). */
  addNode(def: Node): UmlNode {
    if (this.nodes.has(def.name)) throw new LabRunError(`lab ${this.current.name} already has a node "${def.name}"`);
    this.assertApplicable(def);
    const node = this.wire(def);
    this.current = { ...this.current, nodes: [...this.current.nodes, def] };
    return node;
  }

  /**
   * Makes the run use a new definition of one node: a stopped node takes it
   * at its next start, a node the run lacks is added. The switches stay those
   * the run started with, so the node may only plug into those.
   */
  applyNode(def: Node): UmlNode {
    const node = this.nodes.get(def.name);
    if (!node) return this.addNode(def);
    if (node.isUp) throw new LabRunError(`node ${def.name} is ${node.state}: stop it before changing its definition`);
    this.assertApplicable(def);
    node.node = def;
    this.plugPorts(def);
    this.current = { ...this.current, nodes: this.current.nodes.map((n) => (n.name === def.name ? def : n)) };
    return node;
  }

  /**
   * The saved lab's disks, for nodes that start from now on: a disk's
   * definition only matters when its file is made, so taking them never
   * restarts anything.
   */
  takeDisks(disks: Disk[]): void {
    this.current = { ...this.current, disks };
    this.diskWatch.poke();
  }

  /** Throws, before anything changes, when a node definition cannot join this run. */
  assertApplicable(def: Node): void {
    assertImageKnown(this.nodeContext.root, def.image);
    for (const i of def.interfaces) {
      if (i.switch !== null && !this.switches.has(i.switch))
        throw new LabRunError(`node ${def.name}: eth${i.index} is plugged into "${i.switch}", which lab ${this.current.name} was not started with: restart the lab`);
    }
  }

  get up(): boolean {
    return this.switchesUp;
  }

  node(name: string): UmlNode {
    const n = this.nodes.get(name);
    if (!n) throw new LabRunError(`lab ${this.lab.name} has no node "${name}"`);
    return n;
  }

  switch(name: string): SwitchProcess {
    const s = this.switches.get(name);
    if (!s) throw new LabRunError(`lab ${this.lab.name} has no switch "${name}"`);
    return s;
  }

  /** Switches first, then every node in parallel; a failure stops whatever was started. */
  async start(): Promise<void> {
    // An unknown or unbuilt image is known before anything runs.
    for (const image of new Set(this.lab.nodes.map((n) => n.image))) resolveImage(this.nodeContext.root, image);
    // Likewise a kernel not built (a custom one, or fast when chosen before it is).
    for (const kernel of new Set(this.lab.nodes.map((n) => n.kernel))) resolveKernel(this.nodeContext.root, kernel);
    // And a host short of ptys for every node, before minutes of booting the others.
    const shortage = ptyShortage(this.nodes.size);
    if (shortage) throw new LabRunError(`lab ${this.lab.name} cannot start: ${shortage}`);
    await this.bringUpSwitches();
    try {
      await this.startInOrder();
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /**
   * Every node at once, except that a node with `after` starts once those
   * nodes run (their startup scripts done), as Kathará's lab.dep asks.
   */
  private async startInOrder(): Promise<void> {
    const started = new Map<string, Promise<void>>();
    const startOne = (name: string): Promise<void> => {
      let p = started.get(name);
      if (!p) {
        const node = this.node(name);
        p = (async () => {
          await Promise.all(node.node.after.map(async (dep) => {
            await startOne(dep);
            await this.node(dep).waitRunning();
          }));
          await node.start();
        })();
        started.set(name, p);
      }
      return p;
    };
    await Promise.all([...this.nodes.keys()].map(startOne));
  }

  async startNode(name: string): Promise<void> {
    const node = this.node(name);
    await this.bringUpSwitches();
    // A node added while the lab runs may have a port beyond a switch's last.
    await Promise.all([...this.switches.values()].map((s) => s.fitPorts()));
    await node.start();
  }

  private async bringUpSwitches(): Promise<void> {
    if (this.switchesUp) return;
    rmSync(this.paths.run, { recursive: true, force: true });
    removeRingDir(this.paths.run);
    mkdirSync(join(this.paths.run, runRel.umlDir), { recursive: true });
    mkdirSync(join(this.paths.run, "sw"), { recursive: true });
    // The sandboxed processes write their sockets and UML's umid folders here.
    this.sandbox.own(this.paths.run, true);
    this.sandbox.reach(this.paths.run, this.root);
    const all = [...this.switches.values()];
    const gateways = [...this.gateways.values()];
    const results = await Promise.allSettled(all.map((s) => s.start()));
    let failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    // Gateways plug into the switches, so they come once the switches are up.
    if (!failed) failed = (await Promise.allSettled(gateways.map((g) => g.start()))).find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) {
      await Promise.all(gateways.map((g) => g.stop()));
      await Promise.all(all.map((s) => s.stop()));
      throw failed.reason;
    }
    this.switchesUp = true;
    this.diskWatch.start();
    this.writeState();
    this.emit("lab-state");
  }

  /** Every node, then every switch; the run directory goes, the disks stay. */
  async stop(): Promise<void> {
    this.diskWatch.stop();
    await this.captures.stopAll();
    await Promise.all([...this.nodes.values()].map((n) => n.stop()));
    this.serial.close();
    await this.links.stop();
    await Promise.all([...this.gateways.values()].map((g) => g.stop()));
    await Promise.all([...this.switches.values()].map((s) => s.stop()));
    const was = this.switchesUp;
    this.switchesUp = false;
    rmSync(this.paths.run, { recursive: true, force: true });
    removeRingDir(this.paths.run);
    if (was) this.emit("lab-state");
  }

  /** Pauses (SIGSTOP: no frame passes) or resumes a running switch. */
  pauseSwitch(name: string, paused: boolean): void {
    const s = this.switch(name);
    s.setPaused(paused);
    this.emit("switch-state", switchStatus(s));
  }

  async waitRunning(timeoutMs = 120000): Promise<void> {
    await Promise.all([...this.nodes.values()].filter((n) => n.isUp).map((n) => n.waitRunning(timeoutMs)));
  }

  /** The run's state at revision `rev` (the engine keeps the revisions). */
  status(rev: number): LabStatus {
    return {
      id: this.id,
      lab: this.lab.name,
      rev,
      running: this.switchesUp,
      nodes: [...this.nodes.values()].map((n) => n.status()),
      switches: [...this.switches.values()].map(switchStatus),
      links: this.links.status(this.current),
      gateways: [...this.gateways.values()].map((g) => ({ name: g.gw.name, switch: g.gw.switch, pid: g.pid })),
      cables: this.serial.status(),
      captures: this.captures.list(),
      disks: this.diskWatch.status(),
      failure: this.failure,
    };
  }

  /** The pids of everything this lab started, so a restarted server can reap what it left. */
  private writeState(): void {
    if (!this.switchesUp) return;
    const state = {
      id: this.id,
      lab: this.lab.name,
      switches: Object.fromEntries([...this.switches].map(([k, s]) => [k, s.pid])),
      nodes: Object.fromEntries([...this.nodes].map(([k, n]) => [k, n.pid])),
      wirefilters: this.links.pids(),
      gateways: Object.fromEntries([...this.gateways].map(([k, g]) => [k, g.pid])),
    };
    // Whole or not at all: a server killed mid-write leaves the previous state, never a torn one.
    const path = join(this.paths.run, runRel.state);
    try {
      writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
      renameSync(`${path}.tmp`, path);
    } catch {
      // the run directory is being removed
    }
  }
}

function switchStatus(s: SwitchProcess): SwitchStatus {
  return { name: s.sw.name, kind: s.sw.kind, mode: s.sw.mode, pid: s.pid, paused: s.paused };
}
