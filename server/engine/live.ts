import type { CaptureInfo } from "./capture/types";
import type { DiskStatus } from "./disk/lab-disk-watch";
import type { GatewayStatus, LabStatus, SwitchStatus } from "./lab-run";
import type { ImageStatus } from "./build/image-service";
import type { KernelBuildState } from "./build/kernel-service";
import type { ScenarioEvent, ScenarioState } from "./scenario-player";
import type { LinkStatus } from "./switch/link-faults";
import type { CableStatus } from "./serial/serial-lines";
import type { NodeStatus } from "./uml/node-types";

/**
 * One change to a lab's live state. Everything that changes it (a node's
 * state, a link pulled or impaired, a switch paused, the lab up or down, a
 * failure) is one of these, committed by the engine with the lab's next
 * revision (Engine.commit). Pure data: it crosses sockets as it is, and the
 * page applies it with `applyPatch`, the same function the engine's tests use.
 */
export type LivePatch =
  | { kind: "lab"; state: LabStatus }
  | { kind: "node"; node: NodeStatus }
  | { kind: "link"; link: LinkStatus }
  | { kind: "switch"; switch: SwitchStatus }
  | { kind: "gateway"; gateway: GatewayStatus }
  /** A serial cable cut or mended. */
  | { kind: "cable"; cable: CableStatus }
  | { kind: "failure"; failure: string | null }
  /** A lab's captures (one started or stopped, or their counts of the last second). */
  | { kind: "captures"; captures: CaptureInfo[] }
  /** Its extra disks: one plugged in or out, or a disk's lock taken or let go. */
  | { kind: "disks"; disks: DiskStatus[] }
  /** A scenario play began or ended (done, stopped, or its lab stopped). */
  | { kind: "scenario"; state: ScenarioState }
  /** A scenario step ran (ok or failed), as it happens. */
  | { kind: "scenario-step"; entry: ScenarioEvent }
  /** The machine's (BUILDS) kernel build: while it runs and when it ends, whole. */
  | { kind: "kernel-build"; build: KernelBuildState }
  /** One of the machine's (BUILDS) image builds, whole. */
  | { kind: "image-build"; image: ImageStatus };

/**
 * The key of the machine's builds (kernels, images) among the labs' ids: not
 * one a lab can have (paths.ts). Their changes are committed like a lab's,
 * with revisions of their own.
 */
export const BUILDS = "~builds";

/** What a lab's room receives: the lab's id, the revision the patch makes, the patch. */
export interface LiveEvent {
  lab: string;
  rev: number;
  patch: LivePatch;
}

const upsert = <T>(list: T[], item: T, same: (a: T) => boolean): T[] => (list.some(same) ? list.map((x) => (same(x) ? item : x)) : [...list, item]);

/** The state after a patch, at revision `rev`; `state` itself is left as it was. */
export function applyPatch(state: LabStatus, patch: LivePatch, rev: number): LabStatus {
  const next = patchOf(state, patch);
  return next.rev === rev ? next : { ...next, rev };
}

function patchOf(state: LabStatus, patch: LivePatch): LabStatus {
  switch (patch.kind) {
    case "lab":
      return patch.state;
    case "node":
      return { ...state, nodes: upsert(state.nodes, patch.node, (n) => n.name === patch.node.name) };
    case "link":
      return { ...state, links: upsert(state.links, patch.link, (l) => l.node === patch.link.node && l.iface === patch.link.iface) };
    case "switch":
      return { ...state, switches: upsert(state.switches, patch.switch, (s) => s.name === patch.switch.name) };
    case "gateway":
      return { ...state, gateways: upsert(state.gateways, patch.gateway, (g) => g.name === patch.gateway.name) };
    case "cable":
      return { ...state, cables: upsert(state.cables ?? [], patch.cable, (c) => c.a === patch.cable.a && c.b === patch.cable.b) };
    case "failure":
      return { ...state, failure: patch.failure };
    case "captures":
      return { ...state, captures: patch.captures };
    case "disks":
      return { ...state, disks: patch.disks };
    // A scenario's play is followed by its own view (its log), builds by theirs: the lab's state stays as it is.
    case "scenario":
    case "scenario-step":
    case "kernel-build":
    case "image-build":
      return state;
  }
}

/**
 * A follower of one lab: holds the newest state it has and takes a snapshot
 * or an event only when it is newer, so a snapshot that raced an event, an
 * event replayed after a reconnect or two answers crossing never move the
 * state back. What the page keeps instead of a clock of its own.
 *
 * An event of a lab it holds nothing of yet is kept until that lab's
 * snapshot comes, then applied when newer: the server reads the snapshot
 * and then relays the engine's events as they come, so an event newer than
 * the snapshot can reach the page before the snapshot's answer does.
 */
export class LiveFollower {
  private current: LabStatus | null = null;
  private early: LiveEvent[] = [];

  get state(): LabStatus | null {
    return this.current;
  }

  /** A whole state (a subscribe's answer, an action's answer); false when it is not newer than what is held of that lab. */
  take(state: LabStatus): boolean {
    if (this.current && this.current.id === state.id && state.rev <= this.current.rev) return false;
    let next = state;
    for (const ev of this.early.sort((x, y) => x.rev - y.rev)) if (ev.lab === state.id && ev.rev > next.rev) next = applyPatch(next, ev.patch, ev.rev);
    this.early = [];
    this.current = next;
    return true;
  }

  /**
   * An event; false when it is not newer, or when nothing is held of its
   * lab yet (kept for the snapshot that comes next). A gap (a lost event) is
   * still applied: every patch is whole for what it names.
   */
  apply(ev: LiveEvent): boolean {
    if (!this.current || ev.lab !== this.current.id) {
      if (this.early.length < EARLY_EVENTS) this.early.push(ev);
      return false;
    }
    if (ev.rev <= this.current.rev) return false;
    this.current = applyPatch(this.current, ev.patch, ev.rev);
    return true;
  }
}

/** Events kept before a snapshot: a lab's boot is a few per node; past this the snapshot is long overdue. */
const EARLY_EVENTS = 1000;

/**
 * Revisions of this engine's labs. A lab's first revision is taken from the
 * clock (microseconds), then each commit adds one: revisions keep growing
 * across stops and starts of the lab and across restarts of the engine, so a
 * follower never has to be told to forget what it holds.
 */
export class Revisions {
  private readonly revs = new Map<string, number>();

  next(lab: string): number {
    const rev = Math.max((this.revs.get(lab) ?? 0) + 1, Date.now() * 1000);
    this.revs.set(lab, rev);
    return rev;
  }

  current(lab: string): number {
    return this.revs.get(lab) ?? this.next(lab);
  }
}
