import type { ImageInfo, ImageService } from "./build/image-service";
import type { SnapshotInfo } from "./disk/snapshots";
import type { DiskAction, EngineApi } from "./api";
import { LabRunError, type LabStatus } from "./lab-run";
import type { Engine } from "./engine";
import { LabArchives, type ArchiveSummary, type UnpackedLab } from "./lab-archives";
import { LabDisks } from "./lab-disks";
import type { Lab } from "../model/lab";

type DiskApi = Pick<EngineApi, "diskAction" | "snapshots" | "takeSnapshot" | "restoreSnapshot" | "removeSnapshot" | "copyLabDisks" | "takeShareSnapshot" | "removeShareSnapshot" | "copyShareDisks" | "mergeNodeDisk" | "exportLabArchive" | "unpackLabArchive" | "adoptLabArchive" | "dropLabArchive">;

/** The engine commands about a lab's disk files: extra disks plugged in and out, snapshots, clones, merged images, whole-lab archives. */
export class DiskCommands implements DiskApi {
  private readonly disks: LabDisks;
  private readonly archives: LabArchives;

  constructor(
    private readonly engine: Engine,
    private readonly images: ImageService,
  ) {
    this.disks = new LabDisks(engine);
    this.archives = new LabArchives(engine, this.disks, images);
  }

  async diskAction(id: string, saved: Lab, nodeName: string, disk: string, action: DiskAction): Promise<LabStatus> {
    const run = this.engine.run(id);
    if (!run?.up) throw new LabRunError(`lab ${saved.name} is not running`);
    // A disk added to the lab since it started is plugged in by its saved definition.
    run.takeDisks(saved.disks);
    const node = run.node(nodeName);
    if (!node.isUp) throw new LabRunError(`node ${nodeName} of lab ${saved.name} is ${node.state}: a disk is plugged into a running node`);
    // The node tells its new state, and the run's disk watch reads the disks again with it.
    if (action === "plug") await node.disks.plug(disk);
    else await node.disks.unplug(disk);
    return this.engine.status(run.lab, id);
  }

  exportLabArchive(id: string, lab: Lab, token: string, images: boolean): Promise<ArchiveSummary> {
    return this.archives.exportLab(id, lab, token, images);
  }

  unpackLabArchive(token: string): Promise<UnpackedLab> {
    return this.archives.unpack(token);
  }

  adoptLabArchive(token: string, id: string, lab: Lab): Promise<string[]> {
    return this.archives.adopt(token, id, lab);
  }

  dropLabArchive(token: string): Promise<void> {
    this.archives.drop(token);
    return Promise.resolve();
  }

  snapshots(id: string): Promise<SnapshotInfo[]> {
    return Promise.resolve(this.disks.list(id));
  }

  takeSnapshot(id: string, lab: Lab, name: string, node: string | null): Promise<SnapshotInfo> {
    return this.disks.take(id, lab, name, node);
  }

  restoreSnapshot(id: string, snapshot: string, node: string | null): Promise<{ definition: string; nodes: string[] }> {
    return this.disks.restore(id, snapshot, node);
  }

  removeSnapshot(id: string, snapshot: string): Promise<SnapshotInfo> {
    return this.disks.remove(id, snapshot);
  }

  copyLabDisks(from: string, to: string, nodes: string[]): Promise<string[]> {
    return this.disks.copy(from, to, nodes);
  }

  takeShareSnapshot(id: string, lab: Lab, name: string): Promise<SnapshotInfo> {
    return this.disks.takeShare(id, lab, name);
  }

  removeShareSnapshot(id: string, snapshot: string): Promise<SnapshotInfo> {
    return this.disks.removeShare(id, snapshot);
  }

  copyShareDisks(from: string, snapshot: string, to: string): Promise<string[]> {
    return this.disks.copyShare(from, snapshot, to);
  }

  async mergeNodeDisk(id: string, lab: Lab, node: string, name: string): Promise<ImageInfo> {
    const parent = lab.nodes.find((n) => n.name === node)?.image ?? "";
    await this.disks.fold(id, lab, node, (cow, backing) => this.images.merge({ name, cow, backing, parent, from: { lab: lab.name, node } }));
    return this.images.list().find((i) => i.name === name)!;
  }
}
