import { z } from "zod";
import { LabDefinitionError, type Problem } from "./errors";
import { MAX_MEMORY_MIB, MIN_MEMORY_MIB, parseMemory } from "./memory";
import { kernelChoiceProblem } from "./kernel";
import { nameProblem } from "./names";
import { resolveGateways } from "./gateway";
import { fromPosition, toPosition } from "./position";
import { checkStartOrder } from "./start-order";
import { resolveScenario, type ScenarioStep } from "./scenario";

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
  /** Fault timeline steps, in the lab file's order (they run by time: see scenario.ts). */
  scenario: ScenarioStep[];
}

export const DEFAULT_IMAGE = "busybox";
// Debian's UML kernel panics in some boots below this under load (1 boot in ~250 at
// 48M with 50 guests starting at once; none in 300 at 64M). Idle guests only
// use what they touch, so the larger default costs little.
export const DEFAULT_MEMORY_MIB = 64;
export const MAX_INTERFACES = 16;

const plug = z.string().nullable();
const rawPos = z.tuple([z.number().finite(), z.number().finite()]);
const rawKernel = z.string().superRefine((k, ctx) => {
  const p = kernelChoiceProblem(k);
  if (p) ctx.addIssue({ code: "custom", message: p });
});
const rawNode = z.strictObject({
  role: z.enum(["host", "router"]).optional(),
  kernel: rawKernel.optional(),
  image: z.string().optional(),
  mem: z.union([z.string(), z.number()]).optional(),
  eth: z.union([z.array(plug), z.record(z.string(), plug)]).optional(),
  startup: z.string().optional(),
  files: z.record(z.string(), z.string()).optional(),
  after: z.array(z.string()).optional(),
  pos: rawPos.optional(),
});
const rawShared = z.strictObject({
  startup: z.string().optional(),
  files: z.record(z.string(), z.string()).optional(),
});
const rawTap = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_-]{0,14}$/, "a host interface name: a lower-case letter, then up to 14 letters, digits, _ or -"),
  address: z
    .string()
    .regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/([12]?\d|3[0-2])$/, "an IPv4 address with its prefix length, e.g. 10.0.0.254/24")
    .optional(),
});
const rawSwitch = z.strictObject({
  kind: z.enum(["vde", "uml_switch"]).optional(),
  mode: z.enum(["switch", "hub"]).optional(),
  tap: rawTap.optional(),
  pos: rawPos.optional(),
});
const rawGateway = z.strictObject({
  switch: z.string().nullable().optional(),
  dhcp: z.boolean().optional(),
  forward: z.array(z.string()).optional(),
  hostPorts: z.array(z.number()).optional(),
  pos: rawPos.optional(),
});
export const rawLabSchema = z.strictObject({
  name: z.string(),
  description: z.string().optional(),
  kernel: rawKernel.optional(),
  shared: rawShared.optional(),
  nodes: z.record(z.string(), rawNode.nullable()).optional(),
  switches: z.record(z.string(), rawSwitch.nullable()).optional(),
  gateways: z.record(z.string(), rawGateway.nullable()).optional(),
  scenario: z.array(z.string()).optional(),
});

/** A lab as written by a person or a program, before it is checked. */
export type RawLab = z.input<typeof rawLabSchema>;
export type RawNode = z.input<typeof rawNode>;

/**
 * Turns a raw definition into a Lab, or throws LabDefinitionError listing every
 * problem with the path of the field it concerns (the lab file maps paths to lines).
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
  const labNameProblem = nameProblem(raw.name);
  if (labNameProblem) problems.push({ path: ["name"], message: labNameProblem });

  const switches: Switch[] = [];
  for (const [name, s] of Object.entries(raw.switches ?? {})) {
    const p = nameProblem(name);
    if (p) problems.push({ path: ["switches", name], message: p });
    switches.push({ name, kind: s?.kind ?? "vde", mode: s?.mode ?? "switch", tap: s?.tap ? { name: s.tap.name, address: s.tap.address ?? null } : null, pos: toPosition(s?.pos) });
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
  for (const [name, n] of Object.entries(raw.nodes ?? {})) {
    const at = ["nodes", name];
    const p = nameProblem(name);
    if (p) problems.push({ path: at, message: p });
    if (switchNames.has(name)) problems.push({ path: at, message: `"${name}" is already the name of a switch` });
    nodes.push(resolveNode(name, n ?? {}, switchNames, problems, raw.kernel ?? null));
  }
  checkStartOrder(nodes, problems);
  const gateways = resolveGateways(raw.gateways ?? {}, switches, new Set(nodes.map((n) => n.name)), problems);
  const shared: Shared = { startup: raw.shared?.startup ?? "", files: overlayFiles(raw.shared?.files, ["shared", "files"], problems) };
  const scenario = resolveScenario(raw.scenario ?? [], nodes, switches, problems);
  if (problems.length) throw new LabDefinitionError(problems);
  return { name: raw.name, description: raw.description ?? "", kernel: raw.kernel ?? null, shared, nodes, switches, gateways, scenario };
}



function resolveNode(name: string, n: RawNode, switchNames: Set<string>, problems: Problem[], labKernel: KernelChoice | null): Node {
  const at = ["nodes", name];
  const image = n.image ?? DEFAULT_IMAGE;
  const imageProblem = nameProblem(image);
  if (imageProblem) problems.push({ path: [...at, "image"], message: `image ${imageProblem}` });

  let memoryMiB = DEFAULT_MEMORY_MIB;
  if (n.mem !== undefined) {
    const m = parseMemory(n.mem);
    if (typeof m === "string") problems.push({ path: [...at, "mem"], message: m });
    else if (m < MIN_MEMORY_MIB || m > MAX_MEMORY_MIB)
      problems.push({ path: [...at, "mem"], message: `memory must be between ${MIN_MEMORY_MIB}M and ${MAX_MEMORY_MIB}M, not ${m}M` });
    else memoryMiB = m;
  }

  const interfaces = resolveInterfaces(n.eth, [...at, "eth"], problems);
  for (const i of interfaces) {
    if (i.switch !== null && !switchNames.has(i.switch)) {
      const key = Array.isArray(n.eth) ? i.index : `eth${i.index}`;
      problems.push({ path: [...at, "eth", key], message: `eth${i.index} is plugged into "${i.switch}", which is not a switch of this lab` });
    }
  }

  const files = overlayFiles(n.files, [...at, "files"], problems);
  const after = [...new Set(n.after ?? [])];
  return { name, role: n.role ?? "host", image, kernel: n.kernel ?? labKernel, memoryMiB, interfaces, startup: n.startup ?? "", files, after, pos: toPosition(n.pos) };
}

function overlayFiles(raw: Record<string, string> | undefined, at: (string | number)[], problems: Problem[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [path, content] of Object.entries(raw ?? {})) {
    const p = overlayPathProblem(path);
    if (p) problems.push({ path: [...at, path], message: p });
    else files[path] = content;
  }
  return files;
}


function resolveInterfaces(eth: RawNode["eth"], at: (string | number)[], problems: Problem[]): Interface[] {
  if (eth === undefined) return [];
  const entries: [number, string | null][] = [];
  if (Array.isArray(eth)) {
    eth.forEach((s, i) => entries.push([i, s]));
  } else {
    for (const [key, s] of Object.entries(eth)) {
      const m = /^eth(0|[1-9]\d?)$/.exec(key);
      if (!m) {
        problems.push({ path: [...at, key], message: `"${key}" is not an interface name: use eth0, eth1, ...` });
        continue;
      }
      entries.push([Number(m[1]), s]);
    }
    entries.sort((a, b) => a[0] - b[0]);
    entries.forEach(([index], pos) => {
      if (index !== pos && !entries.some(([i]) => i === pos))
        problems.push({ path: [...at, `eth${index}`], message: `interface gap: eth${index} is defined but eth${pos} is not (list eth${pos} as unplugged: null)` });
    });
  }
  if (entries.length > MAX_INTERFACES) problems.push({ path: at, message: `at most ${MAX_INTERFACES} interfaces per node` });
  return entries.map(([index, s]) => ({ index, switch: s }));
}

function overlayPathProblem(path: string): string | null {
  if (!path.startsWith("/")) return `file path "${path}" must be absolute`;
  const parts = path.split("/").slice(1);
  if (parts.some((p) => p === "" || p === "." || p === "..")) return `file path "${path}" must not contain empty, "." or ".." parts`;
  return null;
}

/** The raw form of a lab, as the lab file writes it: defaults left out. */
export function toRawLab(lab: Lab): RawLab {
  const raw: RawLab = { name: lab.name };
  if (lab.description) raw.description = lab.description;
  if (lab.kernel) raw.kernel = lab.kernel;
  if (lab.shared.startup || Object.keys(lab.shared.files).length) {
    raw.shared = {};
    if (lab.shared.startup) raw.shared.startup = lab.shared.startup;
    if (Object.keys(lab.shared.files).length) raw.shared.files = { ...lab.shared.files };
  }
  raw.nodes = {};
  for (const n of lab.nodes) {
    const r: RawNode = {};
    if (n.role !== "host") r.role = n.role;
    if (n.image !== DEFAULT_IMAGE) r.image = n.image;
    if (n.kernel !== lab.kernel && n.kernel) r.kernel = n.kernel;
    if (n.memoryMiB !== DEFAULT_MEMORY_MIB) r.mem = `${n.memoryMiB}M`;
    if (n.interfaces.length) r.eth = n.interfaces.map((i) => i.switch);
    if (n.startup) r.startup = n.startup;
    if (Object.keys(n.files).length) r.files = { ...n.files };
    if (n.after.length) r.after = [...n.after];
    if (n.pos) r.pos = fromPosition(n.pos);
    raw.nodes[n.name] = r;
  }
  raw.switches = {};
  for (const s of lab.switches) {
    const r: z.input<typeof rawSwitch> = {};
    if (s.kind !== "vde") r.kind = s.kind;
    if (s.mode !== "switch") r.mode = s.mode;
    if (s.tap) r.tap = s.tap.address ? { ...s.tap, address: s.tap.address } : { name: s.tap.name };
    if (s.pos) r.pos = fromPosition(s.pos);
    raw.switches[s.name] = r;
  }
  if (lab.gateways.length) {
    raw.gateways = {};
    for (const g of lab.gateways) {
      const r: z.input<typeof rawGateway> = { switch: g.switch };
      if (!g.dhcp) r.dhcp = false;
      if (g.forward.length) r.forward = [...g.forward];
      if (g.hostPorts.length) r.hostPorts = [...g.hostPorts];
      if (g.pos) r.pos = fromPosition(g.pos);
      raw.gateways[g.name] = r;
    }
  }
  if (lab.scenario.length) raw.scenario = lab.scenario.map((s) => s.text);
  return raw;
}
