import { list, nested, optional, position, value, type Field, type Fields } from "./field";
import { resolveChecks, sameChecks, serializeCheck } from "./check";
import { forwardProblem, gatewaySwitchProblem } from "./gateway";
import { interfaces } from "./interfaces";
import { DEFAULT_DISK_MIB, parseDiskSize, type Disk } from "./disk";
import type { Gateway, KernelChoice, Lab, Node, Shared, Switch } from "./lab";
import { formatMemory, MAX_MEMORY_MIB, MIN_MEMORY_MIB, parseMemory } from "./memory";
import { nameProblem } from "./names";
import { overlay } from "./overlay";
import { resolveScenario } from "./scenario";
import { resolveCables, sameCables, serializeCable } from "./serial";
import type { RawDisk, RawGateway, RawLab, RawNode, RawShared, RawSwitch, RawTap } from "./schema";

/**
 * Every key of the lab file (schema.ts), entity by entity: its default, its
 * checks, how a change to it reads ("memory 64M → 128M") and what a running
 * lab needs to take that change. Resolving, serializing and change detection
 * all read these tables, and a lab file lists each entity's keys in its
 * table's order. shape.test.ts fails for a key of the schema that one of them
 * does not see.
 */

export const DEFAULT_IMAGE = "busybox";
// Debian's UML kernel panics in some boots below this under load (1 boot in ~250 at
// 48M with 50 guests starting at once; none in 300 at 64M). Idle guests only
// use what they touch, so the larger default costs little.
export const DEFAULT_MEMORY_MIB = 64;

const showKernel = (k: KernelChoice | null) => k ?? "default";

/**
 * The run keeps the shared configuration it started with for every node's
 * config disk (lab-run.ts), and every guest reads it at boot: a node
 * restarted alone would boot on the old one, so only a lab restart takes it.
 */
export const sharedFields = {
  startup: value("startup", { fallback: "", label: "shared startup script", describe: () => "shared startup script changed", apply: "restart-lab" }),
  files: overlay("files", { label: "shared file", apply: "restart-lab" }),
} satisfies Fields<RawShared, Shared, unknown>;

interface NodeEnv {
  /** The lab's switches, which interfaces plug into. */
  switches: ReadonlySet<string>;
  /** The lab's kernel: a node that does not choose its own runs it. */
  labKernel: KernelChoice | null;
}

const memory: Field<"memoryMiB", string | number, number, unknown> = {
  ...value("memoryMiB", { fallback: DEFAULT_MEMORY_MIB, label: "memory", show: (m) => `${m}M`, apply: "restart-node" }),
  resolve(raw, at, problems) {
    if (raw === undefined) return DEFAULT_MEMORY_MIB;
    const m = parseMemory(raw);
    if (typeof m === "string") problems.push({ path: at, message: m });
    else if (m < MIN_MEMORY_MIB || m > MAX_MEMORY_MIB) problems.push({ path: at, message: `memory must be between ${MIN_MEMORY_MIB}M and ${MAX_MEMORY_MIB}M, not ${m}M` });
    else return m;
    return DEFAULT_MEMORY_MIB;
  },
  serialize: (m) => (m === DEFAULT_MEMORY_MIB ? undefined : `${m}M`),
};

/**
 * A node's fields; a node changes alone (restart-node) unless it plugs into a
 * switch the running lab lacks (changes.ts).
 */
export const nodeFields = {
  // A node's disk stays on the image it was made over (uml-node.ts), so a new image needs a wipe as well.
  image: value("image", {
    fallback: DEFAULT_IMAGE,
    label: "image",
    describe: (a, b) => `image ${a} → ${b} (an existing disk keeps the old one until wiped)`,
    check: (image) => {
      const p = nameProblem(image);
      return p && `image ${p}`;
    },
    apply: "restart-node",
  }),
  // Resolved, a node's kernel is the one it boots: a new lab kernel shows on every node that inherits it.
  kernel: {
    ...value("kernel", { label: "kernel", show: showKernel, apply: "restart-node" }),
    resolve: (raw, _at, _problems, env: NodeEnv) => raw ?? env.labKernel,
    serialize: (k: KernelChoice | null, env: NodeEnv) => (k === env.labKernel ? undefined : (k ?? undefined)),
  },
  mem: memory,
  role: value("role", { fallback: "host" as Node["role"], label: "role", apply: "restart-node" }),
  eth: interfaces("interfaces", "restart-node"),
  startup: value("startup", { fallback: "", label: "startup script", describe: () => "startup script changed", apply: "restart-node" }),
  files: overlay("files", { label: "file", apply: "restart-node" }),
  // Only a lab start waits for `after` (lab-run.ts); a running node restarted for it would boot the same.
  after: list<"after", string>("after", {
    unique: true,
    describe: (b) => (b.length ? `start order: after ${b.join(", ")}` : "start order: waits for no other node"),
    apply: "none",
  }),
  // Checked against the lab's disks in resolveLab (lab.ts); a guest gets its disks at boot.
  disks: list<"disks", string>("disks", {
    unique: true,
    describe: (b) => (b.length ? `disks: ${b.join(", ")}` : "no extra disks"),
    apply: "restart-node",
  }),
  pos: position("pos"),
} satisfies Fields<RawNode, Node, NodeEnv>;

export const tapFields = {
  name: value<"name", string>("name", { label: "host tap", apply: "restart-lab" }),
  address: value("address", { fallback: null as string | null, label: "host tap address", show: (a) => a ?? "none", apply: "restart-lab" }),
} satisfies Fields<RawTap, NonNullable<Switch["tap"]>, unknown>;

/** A switch, its tap and the gateway on it start with the lab and do not change while it runs. */
export const switchFields = {
  kind: value("kind", { fallback: "vde" as Switch["kind"], label: "kind", apply: "restart-lab" }),
  mode: value("mode", { fallback: "switch" as Switch["mode"], label: "mode", apply: "restart-lab" }),
  tap: optional("tap", tapFields, { added: (t) => `host tap ${t.name} added`, removed: "host tap removed", apply: "restart-lab" }),
  pos: position("pos"),
} satisfies Fields<RawSwitch, Switch, unknown>;

const diskSize: Field<"sizeMiB", string | number, number, unknown> = {
  // A disk file is made once, at the first start of a node that has it: a new size takes a reset of the disk.
  ...value("sizeMiB", { fallback: DEFAULT_DISK_MIB, label: "size", show: (m) => formatMemory(m), describe: (a, b) => `size ${formatMemory(a)} → ${formatMemory(b)} (an existing disk keeps its size until it is reset)`, apply: "none" }),
  resolve(raw, at, problems) {
    if (raw === undefined) return DEFAULT_DISK_MIB;
    const m = parseDiskSize(raw);
    if (typeof m === "string") problems.push({ path: at, message: m });
    return typeof m === "string" ? DEFAULT_DISK_MIB : m;
  },
  serialize: (m) => (m === DEFAULT_DISK_MIB ? undefined : formatMemory(m)),
};

/** A lab's disk: its file is made at the first start of a node that has it, so no change to it restarts anything. */
export const diskFields = {
  size: diskSize,
  format: value("format", {
    fallback: "none" as Disk["format"],
    label: "format",
    describe: (a, b) => `format ${a} → ${b} (an existing disk keeps what it has until it is reset)`,
    apply: "none",
  }),
  pos: position("pos"),
} satisfies Fields<RawDisk, Disk, unknown>;

const checkPort = (port: number) => (Number.isInteger(port) && port >= 1 && port <= 65535 ? null : `${port} is not a port (1-65535)`);

export const gatewayFields = {
  switch: {
    ...value("switch", {
      fallback: null as string | null,
      label: "switch",
      describe: (a, b) => (b === null ? `unplugged from ${a}` : a === null ? `plugged into ${b}` : `now on ${b}`),
      apply: "restart-lab",
    }),
    resolve(raw, at, problems, env: { switches: ReadonlyMap<string, Switch> }) {
      const sw = raw ?? null;
      const target = sw === null ? undefined : env.switches.get(sw);
      if (sw !== null && !target) problems.push({ path: at, message: `"${sw}" is not a switch of this lab` });
      else if (target && target.kind !== "vde") problems.push({ path: at, message: gatewaySwitchProblem(target.name, target.kind, null)! });
      return sw;
    },
  },
  dhcp: value("dhcp", { fallback: true, label: "DHCP", describe: (_a, b) => `DHCP ${b ? "on" : "off"}`, apply: "restart-lab" }),
  forward: list<"forward", string>("forward", {
    check: forwardProblem,
    describe: (b) => (b.length ? `port forwards: ${b.join(", ")}` : "no port forwards"),
    apply: "restart-lab",
  }),
  hostPorts: list<"hostPorts", number>("hostPorts", {
    check: checkPort,
    describe: (b) => (b.length ? `host ports open to the lab: ${b.join(", ")}` : "no host ports open to the lab"),
    apply: "restart-lab",
  }),
  pos: position("pos"),
} satisfies Fields<RawGateway, Gateway, { switches: ReadonlyMap<string, Switch> }>;

/** The lab's own fields; its nodes, switches and gateways are entities with fields of their own. */
export const labFields = {
  name: value("name", { label: "name", check: nameProblem, describe: (a, b) => `renamed ${a} → ${b}`, apply: "none" }),
  description: value("description", { fallback: "", label: "description", describe: () => "description changed", apply: "none" }),
  // Nothing to do for the lab itself: each node that inherits the kernel lists its own change.
  kernel: value("kernel", { fallback: null as KernelChoice | null, label: "kernel", show: showKernel, apply: "none" }),
  shared: nested("shared", sharedFields),
  // The lines of every node are made when the lab starts, and joined then: a new cable takes a lab restart.
  cables: {
    key: "cables",
    resolve: (raw, _at, problems, env: { nodes: Node[] }) => resolveCables(raw ?? [], env.nodes, problems),
    serialize: (cables) => (cables.length ? cables.map(serializeCable) : undefined),
    changes: (a, b) => (sameCables(a, b) ? [] : [{ what: "serial cables changed", apply: "restart-lab" }]),
  },
  // A scenario is played from the saved lab (scenario-service.ts): the next play has the change.
  scenario: {
    key: "scenario",
    resolve: (raw, _at, problems, env: { nodes: Node[]; switches: Switch[] }) => resolveScenario(raw ?? [], env.nodes, env.switches, problems),
    serialize: (steps) => (steps.length ? steps.map((s) => s.text) : undefined),
    changes: (a, b) => (a.map((s) => s.text).join("\n") === b.map((s) => s.text).join("\n") ? [] : [{ what: "scenario changed", apply: "none" }]),
  },
  // Checks are read from the saved lab each time they run (check-service.ts): nothing to restart.
  checks: {
    key: "checks",
    resolve: (raw, _at, problems, env: { nodes: Node[] }) => resolveChecks(raw ?? [], { nodes: new Set(env.nodes.map((n) => n.name)) }, problems),
    serialize: (checks) => (checks.length ? checks.map(serializeCheck) : undefined),
    changes: (a, b) => (sameChecks(a, b) ? [] : [{ what: "checks changed", apply: "none" }]),
  },
} satisfies Fields<Omit<RawLab, "nodes" | "switches" | "gateways" | "disks">, Lab, { nodes: Node[]; switches: Switch[] }>;
