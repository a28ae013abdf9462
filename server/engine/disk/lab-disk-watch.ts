import { EventEmitter } from "node:events";
import { existsSync } from "node:fs";
import { diskUsers, type Disk } from "../../model/disk";
import type { Lab } from "../../model/lab";
import { sessionMembers } from "../procs";
import type { UmlNode } from "../uml/uml-node";
import { lockHolders, type ExtraDisks } from "./extra-disks";

/** A lab's disk as a person sees it while the lab runs. */
export interface DiskStatus {
  name: string;
  /** The nodes that boot with it (two or more: a shared disk). */
  users: string[];
  /** The nodes that have it in a slot now. */
  in: string[];
  /** The node whose guest has it open (its lock), or null. */
  holder: string | null;
  /** Its file is made. */
  made: boolean;
}

/** A stopped lab's disks: nobody has or holds one. */
export function idleDisks(lab: Lab, files: ExtraDisks): DiskStatus[] {
  return lab.disks.map((d) => ({ name: d.name, users: diskUsers(lab.nodes, d.name), in: [], holder: null, made: existsSync(files.file(d.name)) }));
}

/** What the watch reads of its lab's run. */
export interface DiskWatchHost {
  readonly lab: Lab;
  readonly nodes: ReadonlyMap<string, UmlNode>;
  readonly extraDisks: ExtraDisks;
}

/** How often the locks are read while a disk is in a running guest: a mount or unmount shows within this. */
const POLL_MS = 1000;

/**
 * Follows a running lab's disks: which nodes have each in a slot (known
 * from the nodes) and which guest holds its lock (read from /proc/locks, as
 * the guest opens or lets go of the device when it mounts or unmounts, with
 * nothing said to the host). "change" (DiskStatus[]) when any of it changes.
 */
export class LabDiskWatch extends EventEmitter {
  private timer: NodeJS.Timeout | null = null;
  /** What was told last: a lab with no disks has nothing to tell. */
  private last = "[]";
  private current: DiskStatus[] = [];

  constructor(private readonly host: DiskWatchHost) {
    super();
  }

  start(): void {
    this.stop();
    this.poke();
    this.timer = setInterval(() => this.poke(), POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  status(): DiskStatus[] {
    if (!this.timer) this.current = this.read();
    return this.current;
  }

  holder(name: string): string | null {
    return this.read().find((d) => d.name === name)?.holder ?? null;
  }

  /** Reads now, and tells when anything changed. */
  poke(): void {
    const now = this.read();
    this.current = now;
    const key = JSON.stringify(now);
    if (key === this.last) return;
    this.last = key;
    this.emit("change", now);
  }

  private read(): DiskStatus[] {
    const { lab, nodes, extraDisks } = this.host;
    if (!lab.disks.length) return [];
    const inSlot = (d: Disk) => [...nodes.values()].filter((n) => n.isUp && n.disks.list().some((p) => p.name === d.name)).map((n) => n.name);
    const held = lab.disks.some((d) => inSlot(d).length) ? lockHolders(lab.disks.map((d) => extraDisks.file(d.name))) : new Map<string, number>();
    return lab.disks.map((d) => {
      const pid = held.get(extraDisks.file(d.name));
      return { name: d.name, users: diskUsers(lab.nodes, d.name), in: inSlot(d), holder: pid === undefined ? null : this.nodeOf(pid), made: existsSync(extraDisks.file(d.name)) };
    });
  }

  /** The node whose guest a host process belongs to. */
  private nodeOf(pid: number): string | null {
    for (const n of this.host.nodes.values()) {
      if (!n.isUp || n.pid === null) continue;
      if (n.programPid() === pid || n.pid === pid || sessionMembers(n.pid).includes(pid)) return n.name;
    }
    return null;
  }
}
