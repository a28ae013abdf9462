import { LabDefinitionError, type Problem } from "./errors";
import { resolveFields, serializeFields } from "./field";
import { gatewaySwitchProblem } from "./gateway";
import { nameProblem } from "./names";
import { rawLabSchema, type RawLab } from "./schema";
import { labFields, diskFields, gatewayFields, nodeFields, switchFields } from "./shape";
import { checkNodeDisks, type Disk } from "./disk";
import { checkStartOrder } from "./start-order";
import type { Check } from "./check";
import type { ScenarioStep } from "./scenario";
import { cableAt, type Cable } from "./serial";

export { rawLabSchema, type RawLab, type RawNode } from "./schema";
export { DEFAULT_IMAGE, DEFAULT_MEMORY_MIB } from "./shape";
export { MAX_INTERFACES } from "./interfaces";

export type SwitchKind = "vde" | "uml_switch";
export type SwitchMode = "switch" | "hub";

export type NodeRole = "host" | "router";
/**
 * umlab's own fast kernel, Debian's, or a custom kernel by name (built with
 * `umlab kernel build NAME --fragment FILE`); null: the fast one once it is built.
 */
export type KernelChoice = "fast" | "debian" | (string & {});

/** Where a node or switch sits on the canvas; null until someone places it. */
export type Position = { x: number; y: number } | null;

export interface Switch {
  name: string;
  kind: SwitchKind;
  mode: SwitchMode;
  /** A tap device on the host plugged into the switch (needs root): the host itself joins the lab's network. */
  tap: HostTap | null;
  pos: Position;
}

export interface HostTap {
  /** The host's interface name. */
  name: string;
  /** An address the host takes on it (CIDR), or null to configure it yourself. */
  address: string | null;
}

export interface Interface {
  index: number;
  /** The switch this interface is plugged into, or null when unplugged. */
  switch: string | null;
}

export interface Node {
  name: string;
  /** A router forwards IPv4 between its interfaces from boot; a host does not. */
  role: NodeRole;
  image: string;
  kernel: KernelChoice | null;
  memoryMiB: number;
  interfaces: Interface[];
  /** Shell script run by the guest's init at boot, before the console opens. */
  startup: string;
  /** Files copied over the guest's root at boot: absolute path -> content. */
  files: Record<string, string>;
  /** Nodes that must be running before this one starts (Kathará's lab.dep). */
  after: string[];
  /** The lab's disks it boots with, in slot order (disk.ts). */
  disks: string[];
  pos: Position;
}

/**
 * The outside world on a switch: a NAT to the host's network (slirpvde,
 * no root needed). Nodes on that switch reach the host and, where the host
 * has it, the internet, at 10.0.2.2 (DNS 10.0.2.3), and get an address by
 * DHCP when it is on.
 */
export interface Gateway {
  name: string;
  switch: string | null;
  dhcp: boolean;
  /** Host ports forwarded to a guest: "HOSTPORT:GUESTADDR:GUESTPORT" (TCP). */
  forward: string[];
  /**
   * Ports of the host itself (its loopback, at 10.0.2.2, and its own
   * addresses) the lab's nodes may reach through the gateway; every other
   * port of the host is closed to them (docs/SECURITY.md).
   */
  hostPorts: number[];
  pos: Position;
}

/** Configuration every node of a lab gets before its own (Kathará's shared.startup and shared/). */
export interface Shared {
  startup: string;
  files: Record<string, string>;
}

export interface Lab {
  name: string;
  description: string;
  /** The kernel of every node that does not choose its own. */
  kernel: KernelChoice | null;
  shared: Shared;
  nodes: Node[];
  switches: Switch[];
  gateways: Gateway[];
  /** Extra disks, each a file of the lab's attached to the nodes that list it (disk.ts). */
  disks: Disk[];
  /** Serial cables between two nodes' lines (serial.ts). */
  cables: Cable[];
  /** Fault timeline steps, in the lab file's order (they run by time: see scenario.ts). */
  scenario: ScenarioStep[];
  /** What the running lab is checked for (check.ts), in the lab file's order. */
  checks: Check[];
}

/**
 * Turns a raw definition into a Lab, or throws LabDefinitionError listing every
 * problem with the path of the field it concerns (the lab file maps paths to lines).
 * Each field is read by its rule in shape.ts; what is checked here spans entities.
 */
export function resolveLab(input: unknown): Lab {
  const parsed = rawLabSchema.safeParse(input);
  if (!parsed.success) {
    throw new LabDefinitionError(
      parsed.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === "symbol" ? String(p) : p)), message: i.message })),
    );
  }
  const raw = parsed.data;
  const problems: Problem[] = [];
  const named = (kind: string, name: string) => {
    const p = nameProblem(name);
    if (p) problems.push({ path: [kind, name], message: p });
  };

  const switches: Switch[] = [];
  for (const [name, s] of Object.entries(raw.switches ?? {})) {
    named("switches", name);
    switches.push({ name, ...resolveFields(switchFields, s ?? {}, ["switches", name], problems, undefined) });
  }
  const switchNames = new Set(switches.map((s) => s.name));
  const taps = new Map<string, string>();
  for (const s of switches) {
    if (!s.tap) continue;
    const other = taps.get(s.tap.name);
    if (other) problems.push({ path: ["switches", s.name, "tap", "name"], message: `host interface "${s.tap.name}" is already the tap of switch "${other}"` });
    else taps.set(s.tap.name, s.name);
  }

  const nodes: Node[] = [];
  const nodeEnv = { switches: switchNames, labKernel: raw.kernel ?? null };
  for (const [name, n] of Object.entries(raw.nodes ?? {})) {
    named("nodes", name);
    if (switchNames.has(name)) problems.push({ path: ["nodes", name], message: `"${name}" is already the name of a switch` });
    nodes.push({ name, ...resolveFields(nodeFields, n ?? {}, ["nodes", name], problems, nodeEnv) });
  }
  checkStartOrder(nodes, problems);

  const gateways: Gateway[] = [];
  const switchByName = new Map(switches.map((s) => [s.name, s]));
  const nodeNames = new Set(nodes.map((n) => n.name));
  for (const [name, g] of Object.entries(raw.gateways ?? {})) {
    named("gateways", name);
    if (switchNames.has(name) || nodeNames.has(name)) problems.push({ path: ["gateways", name], message: `"${name}" is already the name of a ${switchNames.has(name) ? "switch" : "node"}` });
    gateways.push({ name, ...resolveFields(gatewayFields, g ?? {}, ["gateways", name], problems, { switches: switchByName }) });
  }
  const gatewayOf = new Map<string, string>();
  for (const g of gateways) {
    if (g.switch === null) continue;
    const other = gatewayOf.get(g.switch);
    if (other) problems.push({ path: ["gateways", g.name, "switch"], message: gatewaySwitchProblem(g.switch, "vde", other)! });
    else gatewayOf.set(g.switch, g.name);
  }

  const disks: Disk[] = [];
  const gatewayNames = new Set(gateways.map((g) => g.name));
  for (const [name, d] of Object.entries(raw.disks ?? {})) {
    named("disks", name);
    // Disks are drawn on the canvas beside nodes, switches and gateways, by name.
    if (switchNames.has(name) || nodeNames.has(name) || gatewayNames.has(name))
      problems.push({ path: ["disks", name], message: `"${name}" is already the name of a ${switchNames.has(name) ? "switch" : nodeNames.has(name) ? "node" : "gateway"}` });
    disks.push({ name, ...resolveFields(diskFields, d ?? {}, ["disks", name], problems, undefined) });
  }
  checkNodeDisks(nodes, disks, problems);

  const own = resolveFields(labFields, raw, [], problems, { nodes, switches });
  for (const step of own.scenario) {
    const a = step.action;
    if ((a.kind === "cut" || a.kind === "mend") && !cableAt(own.cables, a))
      problems.push({ path: ["scenario", step.index], message: `${a.node}.ttyS${a.line} has no cable to ${a.kind}` });
  }
  if (problems.length) throw new LabDefinitionError(problems);
  return { ...own, nodes, switches, gateways, disks };
}

/** The raw form of a lab, as the lab file writes it: defaults left out. */
export function toRawLab(lab: Lab): RawLab {
  // The timeline reads best after the nodes and switches it acts on.
  const { cables, scenario, checks, ...own } = serializeFields(labFields, lab, { nodes: lab.nodes, switches: lab.switches });
  const entities = <M extends { name: string }, R>(list: M[], entity: (m: M) => R) => Object.fromEntries(list.map((m) => [m.name, entity(m)]));
  const nodeEnv = { switches: new Set(lab.switches.map((s) => s.name)), labKernel: lab.kernel };
  const switchByName = new Map(lab.switches.map((s) => [s.name, s]));
  return {
    ...(own as RawLab),
    nodes: entities(lab.nodes, (n) => serializeFields(nodeFields, n, nodeEnv)),
    switches: entities(lab.switches, (s) => serializeFields(switchFields, s, undefined)),
    ...(lab.gateways.length ? { gateways: entities(lab.gateways, (g) => serializeFields(gatewayFields, g, { switches: switchByName })) } : {}),
    ...(lab.disks.length ? { disks: entities(lab.disks, (d) => serializeFields(diskFields, d, undefined)) } : {}),
    ...(cables ? { cables } : {}),
    ...(scenario ? { scenario } : {}),
    ...(checks ? { checks } : {}),
  };
}
