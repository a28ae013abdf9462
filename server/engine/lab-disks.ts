import { existsSync, readFileSync } from "node:fs";
import { serializeLabYaml } from "../labfile/labyaml";
import type { Lab } from "../model/lab";
import { NAME_PATTERN } from "../model/names";
import { ownDisks } from "../model/disk";
import { ExtraDisks } from "./disk/extra-disks";
import { copyExtraDisk, copyNodeDisk, LabSnapshots, type SnapshotInfo } from "./disk/snapshots";
import { NodeDisk } from "./disk/node-disk";
import type { Engine } from "./engine";
import { LabRunError } from "./lab-run";
import { labPaths } from "./paths";
import type { UmlNode } from "./uml/uml-node";

/** How long a running guest gets to write its caches out before it is frozen for a copy of its disk. */
const SYNC_TIMEOUT_S = 15;

/**
 * Snapshots, rollbacks and copies of a lab's disks, each under the lab's
 * lock, so none of them meets a start or a stop of the same lab half way.
 * A running guest's disk is copied consistently: the guest writes its caches
 * out (`sync`, through the exec channel), is frozen (mconsole `stop`), its
 * COW copied, and it goes on (`go`); it misses a moment, not a write.
 * Putting disks back needs their nodes stopped (a guest cannot have its disk
 * changed under it): the server stops and starts them around it.
 */
export class LabDisks {
  constructor(private readonly engine: Engine) {}

  private snaps(id: string, folder: "snapshots" | "shares" = "snapshots"): LabSnapshots {
    return new LabSnapshots(labPaths(this.engine.root, id), folder);
  }

  list(id: string): SnapshotInfo[] {
    return this.snaps(id).list();
  }

  take(id: string, lab: Lab, name: string, node: string | null): Promise<SnapshotInfo> {
    if (node && !lab.nodes.some((n) => n.name === node)) return Promise.reject(Object.assign(new Error(`lab ${lab.name} has no node "${node}"`), { name: "NotFoundError" }));
    const nodes = node ? [node] : lab.nodes.map((n) => n.name);
    return this.engine.withLab(id, () => this.snaps(id).take({ name, node, nodes, extra: this.extra(id, lab, node), definition: serializeLabYaml(lab) }, (ns) => this.freeze(id, ns)));
  }

  /**
   * The extra disks a snapshot of the lab (or of `node`) holds: all of them,
   * or the node's own (a disk another node boots with too is the lab's, not
   * the node's); and the running nodes that have them in a slot.
   */
  private extra(id: string, lab: Lab, node: string | null): { disks: string[]; in: string[] } {
    const disks = node ? ownDisks(lab.nodes, lab.disks, node) : lab.disks.map((d) => d.name);
    return { disks, in: this.holding(id, disks) };
  }

  /** The running nodes of a lab that have one of `disks` (any of the lab's extra disks when null) in a slot: frozen with a copy of them. */
  holding(id: string, disks: string[] | null = null): string[] {
    const run = this.engine.run(id);
    return [...(run?.nodes.values() ?? [])].filter((n) => n.isUp && n.disks.list().some((p) => !disks || disks.includes(p.name))).map((n) => n.name);
  }

  restore(id: string, snapshot: string, node: string | null): Promise<{ definition: string; nodes: string[] }> {
    // A node's name becomes a file name under the lab's disks folder.
    if (node !== null && !NAME_PATTERN.test(node)) return Promise.reject(Object.assign(new Error(`not a node name: ${JSON.stringify(node)}`), { name: "BadRequestError" }));
    return this.engine.withLab(id, async () => {
      const run = this.engine.run(id);
      const up = [...(run?.nodes.values() ?? [])].filter((n) => n.isUp && (!node || n.name === node));
      if (up.length) throw new LabRunError(`${up.map((n) => n.name).join(", ")} ${up.length === 1 ? "is" : "are"} running: stop ${node ? "it" : "the lab"} before rolling back`);
      return this.snaps(id).restore(snapshot, node);
    });
  }

  remove(id: string, snapshot: string): Promise<SnapshotInfo> {
    return this.engine.withLab(id, () => Promise.resolve(this.snaps(id).remove(snapshot)));
  }

  /** A share link's copy of the lab's disks and definition (labs/ID/shares), taken as a snapshot is; `name` is the link's id. */
  takeShare(id: string, lab: Lab, name: string): Promise<SnapshotInfo> {
    return this.engine.withLab(id, () =>
      this.snaps(id, "shares").take({ name, node: null, nodes: lab.nodes.map((n) => n.name), extra: this.extra(id, lab, null), definition: serializeLabYaml(lab) }, (ns) => this.freeze(id, ns)),
    );
  }

  removeShare(id: string, snapshot: string): Promise<SnapshotInfo> {
    return this.engine.withLab(id, () => Promise.resolve(this.snaps(id, "shares").remove(snapshot)));
  }

  /** A fork of a share link: its copy of the disks into a new lab, which is not running. */
  copyShare(from: string, snapshot: string, to: string): Promise<string[]> {
    if (this.engine.run(to)) throw new LabRunError(`the lab to copy disks into is running`);
    return this.engine.withLab(from, () => this.snaps(from, "shares").copyTo(snapshot, labPaths(this.engine.root, to).disks));
  }

  /** Copies the disks of `nodes` from one lab to another (a clone) that is not running; running guests of the first are frozen for it. */
  copy(from: string, to: string, nodes: string[]): Promise<string[]> {
    if (this.engine.run(to)) throw new LabRunError(`the lab to copy disks into is running`);
    const src = labPaths(this.engine.root, from).disks;
    const dst = labPaths(this.engine.root, to).disks;
    return this.engine.withLab(from, async () => {
      const have = new Set(NodeDisk.nodesIn(src).filter((n) => nodes.includes(n)));
      // A clone has the lab's extra disks too, as they are; the guests that have them are frozen for the copy.
      const extra = new ExtraDisks(src).names();
      const resume = await this.freeze(from, [...new Set([...have, ...(extra.length ? this.holding(from) : [])])]);
      try {
        for (const n of have) {
          new NodeDisk(dst, n).wipe();
          await copyNodeDisk(src, dst, n);
        }
        for (const d of extra) await copyExtraDisk(src, dst, d);
      } finally {
        await resume();
      }
      return [...have];
    });
  }

  /**
   * Gives `fold` a node's COW and the image file under it, the node frozen
   * meanwhile if it runs (a merge into a new image, which never touches either).
   */
  fold<T>(id: string, lab: Lab, node: string, fold: (cow: string, backing: string) => Promise<T>): Promise<T> {
    if (!lab.nodes.some((n) => n.name === node)) return Promise.reject(Object.assign(new Error(`lab ${lab.name} has no node "${node}"`), { name: "NotFoundError" }));
    return this.engine.withLab(id, async () => {
      const disk = new NodeDisk(labPaths(this.engine.root, id).disks, node);
      const backing = existsSync(disk.record) ? readFileSync(disk.record, "utf8").trim() : "";
      if (!existsSync(disk.cow) || !backing) throw new LabRunError(`node ${node} has no disk yet: start it once, change what you want kept, then merge`);
      if (!existsSync(backing)) throw new LabRunError(`the image under node ${node}'s disk is gone (${backing})`);
      const resume = await this.freeze(id, [node]);
      try {
        return await fold(disk.cow, backing);
      } finally {
        await resume();
      }
    });
  }

  /** Syncs and freezes the running ones of `nodes`; the answer resumes them. */
  async freeze(id: string, nodes: string[]): Promise<() => Promise<void>> {
    const run = this.engine.run(id);
    // A guest someone froze already is left frozen, as it is: it cannot sync, and a `go` would wake it.
    const up = nodes.flatMap((n) => run?.nodes.get(n) ?? []).filter((n) => n.isUp && !n.frozen);
    await Promise.all(up.filter((n) => n.state === "running").map((n) => n.exec("sync", SYNC_TIMEOUT_S).catch(() => null)));
    const frozen: UmlNode[] = [];
    const resume = async () => {
      await Promise.all(frozen.map((n) => n.mconsole({ op: "go" }).catch(() => null)));
    };
    for (const n of up) {
      try {
        await n.mconsole({ op: "stop" });
        frozen.push(n);
      } catch (e) {
        await resume();
        throw new LabRunError(`could not freeze ${n.name} to copy its disk: ${(e as Error).message}`);
      }
    }
    return resume;
  }
}
