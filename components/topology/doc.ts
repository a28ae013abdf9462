import type { KernelChoice, RawLab } from "@/server/model/lab";
import { renameInStep } from "@/server/model/scenario";

/**
 * The lab as the canvas edits it: the raw lab-file form with interfaces always
 * as a list, so the editor works on one shape and saves what the API reads.
 */
export interface DocNode {
  role?: "host" | "router";
  kernel?: KernelChoice;
  image?: string;
  mem?: string | number;
  eth?: (string | null)[];
  startup?: string;
  files?: Record<string, string>;
  /** Nodes that start before this one. */
  after?: string[];
  pos?: [number, number];
}
export interface DocSwitch {
  kind?: "vde" | "uml_switch";
  mode?: "switch" | "hub";
  /** The host on this switch through a tap device (needs root). */
  tap?: { name: string; address?: string };
  pos?: [number, number];
}
/** A gateway: NAT to the host's network on one switch (`switch` left out: plugged into nothing). */
export interface DocGateway {
  switch?: string | null;
  dhcp?: boolean;
  forward?: string[];
  /** Ports of the host itself its guests may reach (10.0.2.2 and the host's addresses); none unless listed. */
  hostPorts?: number[];
  pos?: [number, number];
}
export interface Doc {
  name: string;
  description?: string;
  kernel?: KernelChoice;
  /** Startup script and files every node gets; the canvas does not edit them but must keep them. */
  shared?: { startup?: string; files?: Record<string, string> };
  nodes: Record<string, DocNode>;
  switches: Record<string, DocSwitch>;
  gateways?: Record<string, DocGateway>;
  /** Fault timeline steps, one string each ("at 10s pull node04.eth0"). */
  scenario?: string[];
}

export type PaletteKind = "host" | "router" | "switch" | "hub" | "gateway";

export function toDoc(raw: RawLab): Doc {
  const nodes: Record<string, DocNode> = {};
  for (const [name, n] of Object.entries(raw.nodes ?? {})) {
    const { eth, ...rest } = n ?? {};
    const list = Array.isArray(eth) ? eth : eth ? Object.keys(eth).sort().map((k) => (eth as Record<string, string | null>)[k]) : undefined;
    nodes[name] = { ...rest, ...(list ? { eth: list } : {}) } as DocNode;
  }
  const switches: Record<string, DocSwitch> = {};
  for (const [name, s] of Object.entries(raw.switches ?? {})) switches[name] = { ...(s ?? {}) } as DocSwitch;
  const gateways: Record<string, DocGateway> = {};
  for (const [name, g] of Object.entries(raw.gateways ?? {})) gateways[name] = { ...(g ?? {}) } as DocGateway;
  return {
    name: raw.name,
    ...(raw.description ? { description: raw.description } : {}),
    ...(raw.kernel ? { kernel: raw.kernel } : {}),
    ...(raw.shared ? { shared: structuredClone(raw.shared) } : {}),
    nodes,
    switches,
    ...(Object.keys(gateways).length ? { gateways } : {}),
    ...(raw.scenario?.length ? { scenario: [...raw.scenario] } : {}),
  };
}

export function toRaw(doc: Doc): RawLab {
  return doc as unknown as RawLab;
}

/** The next unused name with this prefix: host1, host2, ... */
export function nextName(doc: Doc, prefix: string): string {
  const taken = new Set([...Object.keys(doc.nodes), ...Object.keys(doc.switches), ...Object.keys(doc.gateways ?? {})]);
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

export function removeElement(doc: Doc, id: string): void {
  if (doc.nodes[id]) {
    delete doc.nodes[id];
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

/** Renames a node, switch or gateway, keeping its place in the file and every wire to it. */
export function renameElement(doc: Doc, from: string, to: string): void {
  const renamed = <T>(r: Record<string, T>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k === from ? to : k, v]));
  if (doc.scenario && !doc.gateways?.[from]) doc.scenario = doc.scenario.map((step) => renameInStep(step, from, to));
  if (doc.gateways?.[from]) {
    doc.gateways = renamed(doc.gateways);
    return;
  }
  if (doc.nodes[from]) {
    doc.nodes = renamed(doc.nodes);
    for (const n of Object.values(doc.nodes)) n.after = n.after?.map((d) => (d === from ? to : d));
  } else if (doc.switches[from]) {
    doc.switches = renamed(doc.switches);
    for (const n of Object.values(doc.nodes)) n.eth = n.eth?.map((s) => (s === from ? to : s));
    for (const g of Object.values(doc.gateways ?? {})) if (g.switch === from) g.switch = to;
  }
}
