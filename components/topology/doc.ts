import type { RawDisk, RawGateway, RawLab, RawNode, RawSwitch } from "@/server/model/schema";
import { renameInChecks } from "@/server/model/check";
import { renameInStep } from "@/server/model/scenario";
import { DEFAULT_DISK_MIB, FIRST_EXTRA_SLOT, MAX_NODE_DISKS, parseDiskSize, slotDevice } from "@/server/model/disk";
import { formatMemory } from "@/server/model/memory";
import { FIRST_SERIAL_LINE, LAST_SERIAL_LINE, renameInLine } from "@/server/model/serial";

/**
 * The lab as the canvas edits it: the raw lab-file form (schema.ts) with
 * interfaces always as a list, so the editor works on one shape and saves
 * what the API reads. What the canvas does not edit (the lab's shared
 * startup and files, a start order) passes through untouched.
 */
export type DocNode = Omit<RawNode, "eth"> & { eth?: (string | null)[] };
export type DocSwitch = RawSwitch;
/** A gateway: NAT to the host's network on one switch (`switch` left out: plugged into nothing). */
export type DocGateway = RawGateway;
/** A disk: a file of the lab's, attached to the nodes that list it (two or more: shared). */
export type DocDisk = RawDisk;
export type Doc = Omit<RawLab, "nodes" | "switches" | "gateways" | "disks"> & {
  nodes: Record<string, DocNode>;
  switches: Record<string, DocSwitch>;
  gateways?: Record<string, DocGateway>;
  disks?: Record<string, DocDisk>;
};

export type PaletteKind = "host" | "router" | "switch" | "hub" | "gateway" | "disk";

export function toDoc(raw: RawLab): Doc {
  const { nodes, switches, gateways, disks, ...own } = structuredClone(raw);
  const doc: Doc = { ...own, nodes: {}, switches: {} };
  for (const [name, n] of Object.entries(nodes ?? {})) {
    const { eth, ...rest } = n ?? {};
    const list = Array.isArray(eth) ? eth : eth ? Object.keys(eth).sort((a, b) => ethIndex(a) - ethIndex(b)).map((k) => eth[k]) : undefined;
    doc.nodes[name] = { ...rest, ...(list ? { eth: list } : {}) };
  }
  for (const [name, s] of Object.entries(switches ?? {})) doc.switches[name] = s ?? {};
  if (Object.keys(gateways ?? {}).length) doc.gateways = Object.fromEntries(Object.entries(gateways!).map(([name, g]) => [name, g ?? {}]));
  if (Object.keys(disks ?? {}).length) doc.disks = Object.fromEntries(Object.entries(disks!).map(([name, d]) => [name, d ?? {}]));
  return doc;
}

const ethIndex = (name: string) => Number(name.slice("eth".length));

export function toRaw(doc: Doc): RawLab {
  return doc;
}

/** The next unused name with this prefix: host1, host2, ... */
export function nextName(doc: Doc, prefix: string): string {
  const taken = new Set([...Object.keys(doc.nodes), ...Object.keys(doc.switches), ...Object.keys(doc.gateways ?? {}), ...Object.keys(doc.disks ?? {})]);
  for (let i = 1; ; i++) if (!taken.has(`${prefix}${i}`)) return `${prefix}${i}`;
}

/** Plugs a node into a switch on its first unplugged interface, or a new one; returns its index. */
export function plug(doc: Doc, node: string, sw: string): number {
  const n = doc.nodes[node];
  const eth = (n.eth ??= []);
  const free = eth.indexOf(null);
  if (free >= 0) {
    eth[free] = sw;
    return free;
  }
  eth.push(sw);
  return eth.length - 1;
}

/** Unplugs one interface; trailing unplugged interfaces go away, others stay so names do not shift. */
export function unplug(doc: Doc, node: string, index: number): void {
  const eth = doc.nodes[node]?.eth;
  if (!eth || index >= eth.length) return;
  eth[index] = null;
  while (eth.length && eth[eth.length - 1] === null) eth.pop();
  if (!eth.length) delete doc.nodes[node].eth;
}

/** Plugs a gateway into a switch, or into nothing (null). */
export function plugGateway(doc: Doc, gateway: string, sw: string | null): void {
  const g = doc.gateways?.[gateway];
  if (!g) return;
  if (sw === null) delete g.switch;
  else g.switch = sw;
}

/** The gateway on a switch, if it has one. */
export function gatewayOf(doc: Doc, sw: string): string | null {
  return Object.entries(doc.gateways ?? {}).find(([, g]) => g.switch === sw)?.[0] ?? null;
}

/** The lines of a node no cable takes, lowest first. */
function freeLines(doc: Doc, node: string): string[] {
  const taken = new Set((doc.cables ?? []).flat());
  const out: string[] = [];
  for (let n = FIRST_SERIAL_LINE; n <= LAST_SERIAL_LINE; n++) if (!taken.has(`${node}.ttyS${n}`)) out.push(`${node}.ttyS${n}`);
  return out;
}

/** A serial cable between two nodes, on the first free line of each; the cable, or null when one of them has none free. */
export function addCable(doc: Doc, a: string, b: string): [string, string] | null {
  const [la, lb] = [freeLines(doc, a)[0], freeLines(doc, b)[0]];
  if (!la || !lb) return null;
  const cable: [string, string] = [la, lb];
  doc.cables = [...(doc.cables ?? []), cable];
  return cable;
}

/** Removes the cable on a line (either end). */
export function removeCable(doc: Doc, line: string): void {
  doc.cables = (doc.cables ?? []).filter((c) => !c.includes(line));
  if (!doc.cables.length) delete doc.cables;
}

export { MAX_NODE_DISKS };

/** The device a disk a node boots with has in its guest: its place in the node's list, from /dev/ubdd on. */
export function bootDevice(doc: Doc, node: string, disk: string): string | null {
  const i = doc.nodes[node]?.disks?.indexOf(disk) ?? -1;
  return i < 0 ? null : slotDevice(FIRST_EXTRA_SLOT + i);
}

/** A disk's size as the lab file means it ("1G", "256M"), or as written when it is not one. */
export function diskSize(d: DocDisk): string {
  const m = parseDiskSize(d.size ?? DEFAULT_DISK_MIB);
  return typeof m === "number" ? formatMemory(m) : String(d.size);
}

/** The nodes that boot with a disk, in the lab's order. */
export function diskUsers(doc: Doc, disk: string): string[] {
  return Object.entries(doc.nodes).flatMap(([name, n]) => (n.disks?.includes(disk) ? [name] : []));
}

/** A node boots with a disk too (after those it has); false when it already does or has no room for one more. */
export function attachDisk(doc: Doc, node: string, disk: string): boolean {
  const n = doc.nodes[node];
  if (!n || !doc.disks?.[disk] || n.disks?.includes(disk) || (n.disks?.length ?? 0) >= MAX_NODE_DISKS) return false;
  n.disks = [...(n.disks ?? []), disk];
  return true;
}

/** A node no longer boots with a disk; the others keep their order. */
export function detachDisk(doc: Doc, node: string, disk: string): void {
  const n = doc.nodes[node];
  if (!n?.disks) return;
  n.disks = n.disks.filter((d) => d !== disk);
  if (!n.disks.length) delete n.disks;
}

export function removeElement(doc: Doc, id: string): void {
  if (doc.disks?.[id]) {
    delete doc.disks[id];
    if (!Object.keys(doc.disks).length) delete doc.disks;
    for (const name of Object.keys(doc.nodes)) detachDisk(doc, name, id);
  }
  if (doc.nodes[id]) {
    delete doc.nodes[id];
    for (const c of doc.cables ?? []) if (c.some((l) => l.startsWith(`${id}.ttyS`))) removeCable(doc, c[0]);
    for (const n of Object.values(doc.nodes)) {
      n.after = n.after?.filter((d) => d !== id);
      if (n.after && !n.after.length) delete n.after;
    }
  }
  if (doc.gateways?.[id]) {
    delete doc.gateways[id];
    if (!Object.keys(doc.gateways).length) delete doc.gateways;
  }
  if (doc.switches[id]) {
    delete doc.switches[id];
    for (const name of Object.keys(doc.nodes)) {
      const eth = doc.nodes[name].eth ?? [];
      eth.forEach((s, i) => s === id && unplug(doc, name, i));
    }
    for (const g of Object.keys(doc.gateways ?? {})) if (doc.gateways![g].switch === id) plugGateway(doc, g, null);
  }
}

/** Renames a node, switch, gateway or disk, keeping its place in the file and every wire to it. */
export function renameElement(doc: Doc, from: string, to: string): void {
  const renamed = <T>(r: Record<string, T>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k === from ? to : k, v]));
  // A disk: the nodes that boot with it keep it, in the same place of their lists.
  if (doc.disks?.[from]) {
    doc.disks = renamed(doc.disks);
    for (const n of Object.values(doc.nodes)) n.disks = n.disks?.map((d) => (d === from ? to : d));
    return;
  }
  if (doc.scenario && !doc.gateways?.[from]) doc.scenario = doc.scenario.map((step) => renameInStep(step, from, to));
  if (doc.gateways?.[from]) {
    doc.gateways = renamed(doc.gateways);
    return;
  }
  if (doc.nodes[from]) {
    doc.nodes = renamed(doc.nodes);
    if (doc.checks) doc.checks = renameInChecks(doc.checks, from, to);
    if (doc.cables) doc.cables = doc.cables.map(([a, b]) => [renameInLine(a, from, to), renameInLine(b, from, to)]);
    for (const n of Object.values(doc.nodes)) n.after = n.after?.map((d) => (d === from ? to : d));
  } else if (doc.switches[from]) {
    doc.switches = renamed(doc.switches);
    for (const n of Object.values(doc.nodes)) n.eth = n.eth?.map((s) => (s === from ? to : s));
    for (const g of Object.values(doc.gateways ?? {})) if (g.switch === from) g.switch = to;
  }
}
