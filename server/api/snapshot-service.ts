import { ownDisks } from "../model/disk";
import type { Principal } from "../auth/permissions";
import type { ImageInfo } from "../engine/build/image-service";
import type { SnapshotInfo } from "../engine/disk/snapshots";
import type { LabStatus } from "../engine/lab-run";
import { parseLabYaml } from "../labfile/labyaml";
import { NotFoundError, type StoredLab } from "../store/lab-store";
import type { LabDetail, LabService } from "./lab-service";

/** A lab's snapshots for the API, oldest first. */
export interface SnapshotList {
  lab: string;
  snapshots: SnapshotInfo[];
}

/**
 * Snapshots, rollbacks, resets and clones with disks, over the HTTP API and
 * the CLI. The engine keeps the files; this decides what has to stop and
 * start around a change of disks: a rollback or a reset of a running lab (or
 * node) stops it, puts the disks back, and starts it again, in one request.
 */
export async function listSnapshots(svc: LabService, who: Principal, ref: string): Promise<SnapshotList> {
  const s = await svc.mine(who, ref);
  return { lab: s.name, snapshots: await svc.engine.snapshots(s.id) };
}

export async function takeSnapshot(svc: LabService, who: Principal, ref: string, name: string, node: string | null): Promise<SnapshotInfo> {
  const s = await svc.mine(who, ref);
  requireNode(s, node);
  return svc.engine.takeSnapshot(s.id, s.lab, name, node);
}

export async function removeSnapshot(svc: LabService, who: Principal, ref: string, snapshot: string): Promise<SnapshotInfo> {
  const s = await svc.mine(who, ref);
  return svc.engine.removeSnapshot(s.id, snapshot);
}

/**
 * Back to a snapshot: the whole lab (its disks and its definition, so nodes,
 * links and positions are as they were) or one node's disk. What ran before
 * runs again after.
 */
export async function rollback(svc: LabService, who: Principal, ref: string, snapshot: string, node: string | null): Promise<LabStatus> {
  const s = await svc.mine(who, ref);
  requireNode(s, node);
  return around(svc, who, s, node, async () => {
    const { definition } = await svc.engine.restoreSnapshot(s.id, snapshot, node);
    // The lab keeps its name now (it may have been renamed since): the rest is as it was.
    if (!node) await svc.restoreDefinition(who, s.id, { ...parseLabYaml(definition, `${s.name}.yaml`), name: s.name });
  });
}

/** Back to the start: a node's disk, or every disk of the lab, made afresh over its image. */
export async function reset(svc: LabService, who: Principal, ref: string, node: string | null): Promise<LabStatus> {
  const s = await svc.mine(who, ref);
  requireNode(s, node);
  return around(svc, who, s, node, async () => {
    // A node's reset takes its own disks afresh too (those no other node boots with); a shared disk stays.
    const own = node ? ownDisks(s.lab.nodes, s.lab.disks, node) : null;
    await svc.engine.pruneNodeFiles(s.id, node ? s.lab.nodes.map((n) => n.name).filter((n) => n !== node) : [], own ? s.lab.disks.map((d) => d.name).filter((d) => !own.includes(d)) : []);
  });
}

/** A copy of a lab under a new name, with a copy of its disks as they are now (running guests frozen for the copy). */
export async function cloneWithDisks(svc: LabService, who: Principal, ref: string, name: string): Promise<LabDetail & { disks: string[] }> {
  const s = await svc.mine(who, ref);
  const copy = await svc.duplicate(who, s.id, name);
  try {
    return { ...copy, disks: await svc.engine.copyLabDisks(s.id, copy.id, s.lab.nodes.map((n) => n.name)) };
  } catch (e) {
    // No half-copied lab is left behind.
    await svc.remove(who, copy.id).catch(() => {});
    throw e;
  }
}

/**
 * A new image from a node's disk as it is now (uml_moo folds its COW over
 * its image into a new file; neither is changed, so every other disk over
 * that image stays valid). Other labs' nodes boot it with `image: NAME`.
 */
export async function mergeNode(svc: LabService, who: Principal, ref: string, node: string, image: string): Promise<ImageInfo> {
  const s = await svc.mine(who, ref);
  requireNode(s, node);
  return svc.engine.mergeNodeDisk(s.id, s.lab, node, image);
}

/** Stops what `change` needs stopped (the lab, or a node), makes the change, and starts again what ran. */
async function around(svc: LabService, who: Principal, s: StoredLab, node: string | null, change: () => Promise<void>): Promise<LabStatus> {
  const before = await svc.engine.status(s.id, s.lab);
  if (node) {
    const state = before.nodes.find((n) => n.name === node)?.state;
    const wasUp = state === "booting" || state === "running";
    if (wasUp) await svc.nodeAction(who, s.id, node, "stop");
    await change();
    return wasUp ? svc.nodeAction(who, s.id, node, "start") : svc.status(who, s.id);
  }
  if (before.running) await svc.stop(who, s.id);
  await change();
  return before.running ? svc.start(who, s.id) : svc.status(who, s.id);
}

function requireNode(s: StoredLab, node: string | null): void {
  if (node !== null && !s.lab.nodes.some((n) => n.name === node)) throw new NotFoundError(`lab ${s.name} has no node "${node}"`);
}
