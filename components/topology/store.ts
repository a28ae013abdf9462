"use client";
import { create } from "zustand";
import type { LabChange } from "@/server/model/changes";
import type { GatewayStatus, LabStatus, SwitchStatus } from "@/server/engine/lab-run";
import { gatewaySwitchProblem } from "@/server/model/gateway";
import type { LinkStatus } from "@/server/engine/switch/link-faults";
import type { CaptureInfo } from "@/server/engine/capture/types";
import type { NodeStatus } from "@/server/engine/uml/node-types";
import { LiveFollower, type LiveEvent } from "@/server/engine/live";
import type { CableStatus } from "@/server/engine/serial/serial-lines";
import type { DiskStatus } from "@/server/engine/disk/lab-disk-watch";
import { addCable, attachDisk, detachDisk, gatewayOf, MAX_NODE_DISKS, nextName, plug, plugGateway, removeCable, removeElement, renameElement, unplug, type Doc, type PaletteKind } from "./doc";

const HISTORY = 100;

export type SaveState = "saved" | "saving" | "error";
/** A wire to delete: a node's interface, a gateway's wire to its switch, a serial cable (by one of its lines), or a node's line to a disk it boots with. */
export type Wire = { node: string; index: number } | { gateway: string } | { cable: string } | { disk: string; node: string };

interface TopologyState {
  doc: Doc | null;
  /** Bumped on every edit; the autosaver saves when it moves. */
  revision: number;
  past: Doc[];
  future: Doc[];
  selected: string | null;
  nodes: Record<string, NodeStatus>;
  switches: Record<string, SwitchStatus>;
  gateways: Record<string, GatewayStatus>;
  /** Live link faults, by wire id ("node:eth0"). */
  links: Record<string, LinkStatus>;
  /** Live serial cables, by their first line ("one.ttyS2"). */
  cables: Record<string, CableStatus>;
  /** The running lab's captures, running or stopped (counts as of the last second or so). */
  captures: CaptureInfo[];
  /** The lab's disks as the engine has them: who has each in a slot, who holds it. */
  disks: Record<string, DiskStatus>;
  /**
   * Devices of disks plugged in from this page, by "node/disk", from the
   * plug's answer: a plug is sent to pages as a disks patch, which says who
   * has a disk but not as which device (the node's own state says that, when
   * it next changes).
   */
  plugged: Record<string, string>;
  /** Takes the devices a disk action's answer gives. */
  notePlugged(s: LabStatus): void;
  running: boolean;
  /** Why the server marked the running lab failed (an unexpected error in its code), or null. */
  failure: string | null;
  changes: LabChange[];
  save: { state: SaveState; error: string | null };
  notice: string | null;

  load(doc: Doc): void;
  edit(fn: (d: Doc) => void): void;
  undo(): void;
  redo(): void;
  select(id: string | null): void;
  add(kind: PaletteKind, pos: { x: number; y: number }): string;
  connect(a: string, b: string): void;
  disconnect(node: string, index: number): void;
  /** A node no longer boots with a disk. */
  detachDisk(node: string, disk: string): void;
  /** Elements and wires deleted together (a switch with its wires): one undo step. A gateway's wire is `{ gateway }`. */
  remove(ids: string[], wires?: Wire[]): void;
  rename(from: string, to: string): string | null;
  move(id: string, pos: { x: number; y: number }): void;
  /**
   * Live state from the server, as revisions (server/engine/live.ts): a
   * whole state (the subscribe's answer, an action's answer, a page load)
   * or one patch (a socket event). Each is taken only when newer than what
   * is shown, so answers and events arriving in any order never move the
   * canvas back.
   */
  setStatus(s: LabStatus): void;
  applyPatch(ev: LiveEvent): void;
  /** The revision shown (0: none yet). */
  rev: number;
  setSave(state: SaveState, error?: string | null): void;
  setChanges(c: LabChange[]): void;
  say(notice: string | null): void;
}

const clone = (d: Doc): Doc => structuredClone(d);

/**
 * The live state the page took and refused, for a failed end-to-end test to
 * show (e2e/fixtures.ts sets `__umlabLive` to an array); nothing is kept
 * when no one asked for it.
 */
export function trace(entry: { rev?: number; what: string; running?: boolean; taken?: boolean; error?: string }): void {
  const log = (globalThis as { __umlabLive?: unknown[] }).__umlabLive;
  if (Array.isArray(log) && log.length < 2000) log.push({ t: Math.round(performance.now()), ...entry });
}

/** A wire's id on the canvas: its node and interface. */
export const wireId = (l: { node: string; iface: string }) => `${l.node}:${l.iface}`;
const NAME = /^[a-z][a-z0-9-]{0,30}$/;

export const useTopology = create<TopologyState>()((set, get) => {
  /** The newest live state; see `setStatus`. */
  const follower = new LiveFollower();
  const show = (st: LabStatus) =>
    set({
      rev: st.rev,
      running: st.running,
      failure: st.failure ?? null,
      nodes: Object.fromEntries(st.nodes.map((n) => [n.name, n])),
      switches: Object.fromEntries(st.switches.map((w) => [w.name, w])),
      gateways: Object.fromEntries(st.gateways.map((g) => [g.name, g])),
      links: Object.fromEntries(st.links.map((l) => [wireId(l), l])),
      cables: Object.fromEntries((st.cables ?? []).map((c) => [c.a, c])),
      captures: st.captures ?? [],
      disks: Object.fromEntries((st.disks ?? []).map((d) => [d.name, d])),
    });
  /** An edit that can be undone. */
  const commit = (fn: (d: Doc) => void) => {
    const { doc, past, revision } = get();
    if (!doc) return;
    const next = clone(doc);
    fn(next);
    set({ doc: next, past: [...past, doc].slice(-HISTORY), future: [], revision: revision + 1 });
  };
  /** A gateway goes on one switch: a vde switch without a gateway of its own. */
  const connectGateway = (doc: Doc, gw: string, other: string) => {
    const sw = doc.switches[other];
    const current = doc.gateways![gw].switch ?? null;
    const refuse = (notice: string) => set({ notice });
    if (!sw) return refuse(doc.gateways?.[other] ? "Two gateways cannot be wired together: wire a gateway to a switch." : `A gateway is wired to a switch, not to a node: wire ${gw} to the switch ${other} is on.`);
    if (current === other) return;
    if (current !== null) return refuse(`${gw} is already wired to ${current}: a gateway has one switch (unplug it first).`);
    const problem = gatewaySwitchProblem(other, sw.kind ?? "vde", gatewayOf(doc, other));
    if (problem) return refuse(`${gw} cannot go on ${other}: ${problem}.`);
    commit((d) => plugGateway(d, gw, other));
  };
  /** A disk goes to nodes: the node boots with it, after the disks it has. */
  const connectDisk = (doc: Doc, disk: string, other: string) => {
    const refuse = (notice: string) => set({ notice });
    const n = doc.nodes[other];
    if (!n) return refuse(doc.disks?.[other] ? "Two disks cannot be joined: connect a disk to the nodes that use it." : `A disk is connected to the nodes that boot with it, not to ${doc.switches[other] ? "a switch" : "a gateway"}.`);
    if (n.disks?.includes(disk)) return;
    if ((n.disks?.length ?? 0) >= MAX_NODE_DISKS) return refuse(`${other} already boots with ${MAX_NODE_DISKS} disks, the most a node has.`);
    commit((d) => void attachDisk(d, other, disk));
  };
  return {
    doc: null,
    revision: 0,
    past: [],
    future: [],
    selected: null,
    nodes: {},
    switches: {},
    gateways: {},
    links: {},
    cables: {},
    captures: [],
    disks: {},
    plugged: {},
    running: false,
    failure: null,
    changes: [],
    save: { state: "saved", error: null },
    notice: null,

    load: (doc) => set({ doc, past: [], future: [], revision: 0, selected: null }),
    edit: commit,
    undo: () => {
      const { doc, past, future, revision } = get();
      if (!doc || !past.length) return;
      set({ doc: past[past.length - 1], past: past.slice(0, -1), future: [doc, ...future], revision: revision + 1 });
    },
    redo: () => {
      const { doc, past, future, revision } = get();
      if (!doc || !future.length) return;
      set({ doc: future[0], past: [...past, doc], future: future.slice(1), revision: revision + 1 });
    },
    select: (id) => set({ selected: id }),
    add: (kind, pos) => {
      const doc = get().doc!;
      const prefix = kind === "switch" ? "sw" : kind === "gateway" ? "internet" : kind;
      const name = nextName(doc, prefix);
      const at: [number, number] = [Math.round(pos.x), Math.round(pos.y)];
      commit((d) => {
        if (kind === "host") d.nodes[name] = { pos: at };
        // A router gets the Debian image with FRR and the memory FRR needs.
        else if (kind === "router") d.nodes[name] = { role: "router", image: "router", mem: "128M", pos: at };
        else if (kind === "gateway") d.gateways = { ...d.gateways, [name]: { pos: at } };
        // A disk: 256M and blank unless the inspector says otherwise (the lab file's defaults).
        else if (kind === "disk") d.disks = { ...d.disks, [name]: { pos: at } };
        else d.switches[name] = kind === "hub" ? { mode: "hub", pos: at } : { pos: at };
      });
      set({ selected: name });
      return name;
    },
    connect: (a, b) => {
      const doc = get().doc!;
      if (doc.disks?.[a] || doc.disks?.[b]) return connectDisk(doc, doc.disks?.[a] ? a : b, doc.disks?.[a] ? b : a);
      if (doc.gateways?.[a] || doc.gateways?.[b]) return connectGateway(doc, doc.gateways?.[a] ? a : b, doc.gateways?.[a] ? b : a);
      // Node to node: a serial cable, on the first free line of each.
      if (doc.nodes[a] && doc.nodes[b]) {
        if (a === b) return;
        const next = clone(doc);
        if (!addCable(next, a, b)) return void set({ notice: `No free serial line: ${a} and ${b} each have ttyS2 to ttyS5, and one of them has a cable on every line.` });
        return commit((d) => void addCable(d, a, b));
      }
      const [node, sw] = doc.nodes[a] && doc.switches[b] ? [a, b] : doc.nodes[b] && doc.switches[a] ? [b, a] : [null, null];
      if (!node || !sw) {
        set({ notice: doc.switches[a] && doc.switches[b] ? "Two switches cannot be wired together: connect nodes to switches." : "Connect a node to a switch or hub (every network wire goes through one), or to another node (a serial cable)." });
        return;
      }
      if ((doc.nodes[node].eth?.filter((s) => s !== null).length ?? 0) >= 16) {
        set({ notice: `${node} already has 16 interfaces.` });
        return;
      }
      commit((d) => void plug(d, node, sw));
    },
    disconnect: (node, index) => commit((d) => unplug(d, node, index)),
    detachDisk: (node, disk) => commit((d) => detachDisk(d, node, disk)),
    remove: (ids, wires = []) => {
      if (!ids.length && !wires.length) return;
      commit((d) => {
        // Highest interface first, so unplugging one does not renumber the next.
        const plugs = wires.flatMap((w) => ("index" in w ? [w] : []));
        for (const w of plugs.sort((a, b) => b.index - a.index)) if (d.nodes[w.node]) unplug(d, w.node, w.index);
        for (const w of wires) if ("gateway" in w) plugGateway(d, w.gateway, null);
        for (const w of wires) if ("cable" in w) removeCable(d, w.cable);
        for (const w of wires) if ("disk" in w) detachDisk(d, w.node, w.disk);
        ids.forEach((id) => removeElement(d, id));
      });
      if (ids.includes(get().selected ?? "")) set({ selected: null });
    },
    rename: (from, to) => {
      const doc = get().doc!;
      if (from === to) return null;
      if (!NAME.test(to)) return "a name starts with a lowercase letter and has at most 31 lowercase letters, digits and dashes";
      if (doc.nodes[to] || doc.switches[to] || doc.gateways?.[to] || doc.disks?.[to]) return `"${to}" is already taken in this lab`;
      commit((d) => renameElement(d, from, to));
      set({ selected: to });
      return null;
    },
    move: (id, pos) => {
      const at: [number, number] = [Math.round(pos.x), Math.round(pos.y)];
      const el = get().doc?.nodes[id] ?? get().doc?.switches[id] ?? get().doc?.gateways?.[id] ?? get().doc?.disks?.[id];
      if (!el || (el.pos && el.pos[0] === at[0] && el.pos[1] === at[1])) return;
      commit((d) => void ((d.nodes[id] ?? d.switches[id] ?? d.gateways?.[id] ?? d.disks![id]).pos = at));
    },
    notePlugged: (s) => set({ plugged: Object.fromEntries(s.nodes.flatMap((n) => (n.disks ?? []).map((p) => [`${n.name}/${p.name}`, p.device]))) }),
    setStatus: (s) => {
      const taken = follower.take(s);
      trace({ rev: s.rev, what: "snapshot", running: s.running, taken });
      // What the follower holds: the snapshot with any newer event that came before it.
      if (taken) show(follower.state!);
    },
    applyPatch: (ev) => {
      const taken = follower.apply(ev);
      trace({ rev: ev.rev, what: ev.patch.kind, running: ev.patch.kind === "lab" ? ev.patch.state.running : undefined, taken });
      if (!taken) return;
      // Capture counts change every second while one runs: the rest of the state is left as it is (no redraw of the canvas for them).
      if (ev.patch.kind === "captures") set({ rev: follower.state!.rev, captures: follower.state!.captures ?? [] });
      else show(follower.state!);
    },
    rev: 0,
    setSave: (state, error = null) => set({ save: { state, error } }),
    setChanges: (changes) => set({ changes }),
    say: (notice) => set({ notice }),
  };
});
