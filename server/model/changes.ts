import type { Gateway, Lab, Node, Switch } from "./lab";

/**
 * What it takes to bring a running lab in line with one difference:
 * restart that node, start that (new) node, restart the whole lab, or nothing.
 */
export type ChangeApply = "restart-node" | "start-node" | "restart-lab" | "none";

export interface LabChange {
  kind: "node" | "switch" | "gateway" | "lab";
  name: string;
  /** For a person: "memory 64M → 128M", "added", "eth1 now plugged into sw2", ... */
  what: string;
  apply: ChangeApply;
}

const KIND_ORDER: Record<LabChange["kind"], number> = { lab: 0, switch: 1, gateway: 2, node: 3 };

/**
 * The differences between the definition a running lab was started with and
 * the saved one (a lab edited while it runs). A node changes alone only while
 * every switch it plugs into already runs; anything about switches or
 * gateways, or a node gone, takes the lab down and up again. Canvas positions
 * never matter. A node with several differences has one entry for each, all
 * with the same apply. Sorted by kind (lab, switch, gateway, node), then name.
 */
export function labChanges(running: Lab, saved: Lab): LabChange[] {
  const changes: LabChange[] = [];
  if (running.description !== saved.description) changes.push({ kind: "lab", name: saved.name, what: "description changed", apply: "none" });

  const runningSwitches = new Map(running.switches.map((s) => [s.name, s]));
  const savedSwitches = new Map(saved.switches.map((s) => [s.name, s]));
  for (const s of saved.switches) {
    const before = runningSwitches.get(s.name);
    if (!before) changes.push({ kind: "switch", name: s.name, what: "added", apply: "restart-lab" });
    else for (const what of switchDiff(before, s)) changes.push({ kind: "switch", name: s.name, what, apply: "restart-lab" });
  }
  for (const s of running.switches) if (!savedSwitches.has(s.name)) changes.push({ kind: "switch", name: s.name, what: "removed", apply: "restart-lab" });

  // A gateway's slirpvde is started with the lab, on its switch, and never changed while it runs.
  const runningGateways = new Map(running.gateways.map((g) => [g.name, g]));
  const savedGateways = new Set(saved.gateways.map((g) => g.name));
  for (const g of saved.gateways) {
    const before = runningGateways.get(g.name);
    if (!before) changes.push({ kind: "gateway", name: g.name, what: g.switch === null ? "added" : `added on ${g.switch}`, apply: "restart-lab" });
    else for (const what of gatewayDiff(before, g)) changes.push({ kind: "gateway", name: g.name, what, apply: "restart-lab" });
  }
  for (const g of running.gateways) if (!savedGateways.has(g.name)) changes.push({ kind: "gateway", name: g.name, what: "removed", apply: "restart-lab" });

  const runningNodes = new Map(running.nodes.map((n) => [n.name, n]));
  const savedNodes = new Set(saved.nodes.map((n) => n.name));
  for (const n of saved.nodes) {
    const before = runningNodes.get(n.name);
    // The running switches are the only ones a node can be plugged into without the lab restarting.
    const alone = n.interfaces.every((i) => i.switch === null || runningSwitches.has(i.switch));
    if (!before) {
      changes.push({ kind: "node", name: n.name, what: "added", apply: alone ? "start-node" : "restart-lab" });
      continue;
    }
    for (const what of nodeDiff(before, n)) changes.push({ kind: "node", name: n.name, what, apply: alone ? "restart-node" : "restart-lab" });
  }
  for (const n of running.nodes) if (!savedNodes.has(n.name)) changes.push({ kind: "node", name: n.name, what: "removed", apply: "restart-lab" });

  // A stable sort keeps each node's differences in the order nodeDiff lists them.
  return changes.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || compare(a.name, b.name));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function switchDiff(a: Switch, b: Switch): string[] {
  const out: string[] = [];
  if (a.kind !== b.kind) out.push(`kind ${a.kind} → ${b.kind}`);
  if (a.mode !== b.mode) out.push(`mode ${a.mode} → ${b.mode}`);
  return out;
}

function gatewayDiff(a: Gateway, b: Gateway): string[] {
  const out: string[] = [];
  if (a.switch !== b.switch) out.push(b.switch === null ? `unplugged from ${a.switch}` : a.switch === null ? `plugged into ${b.switch}` : `now on ${b.switch}`);
  if (a.dhcp !== b.dhcp) out.push(`DHCP ${b.dhcp ? "on" : "off"}`);
  if (a.forward.join() !== b.forward.join()) out.push(b.forward.length ? `port forwards: ${b.forward.join(", ")}` : "no port forwards");
  if (a.hostPorts.join() !== b.hostPorts.join()) out.push(b.hostPorts.length ? `host ports open to the lab: ${b.hostPorts.join(", ")}` : "no host ports open to the lab");
  return out;
}

function nodeDiff(a: Node, b: Node): string[] {
  const out: string[] = [];
  // A node's disk stays on the image it was made over (uml-node.ts), so a new image needs a wipe as well.
  if (a.image !== b.image) out.push(`image ${a.image} → ${b.image} (an existing disk keeps the old one until wiped)`);
  if (a.memoryMiB !== b.memoryMiB) out.push(`memory ${a.memoryMiB}M → ${b.memoryMiB}M`);
  if (a.role !== b.role) out.push(`role ${a.role} → ${b.role}`);
  out.push(...interfaceDiff(a, b));
  if (a.startup !== b.startup) out.push("startup script changed");
  out.push(...fileDiff(a.files, b.files));
  return out;
}

function interfaceDiff(a: Node, b: Node): string[] {
  const out: string[] = [];
  const plugs = (n: Node) => new Map(n.interfaces.map((i) => [i.index, i.switch]));
  const before = plugs(a);
  const after = plugs(b);
  const last = Math.max(-1, ...before.keys(), ...after.keys());
  for (let i = 0; i <= last; i++) {
    const was = before.get(i);
    const now = after.get(i);
    if (was === now) continue;
    const eth = `eth${i}`;
    if (was === undefined) out.push(now === null ? `${eth} added, unplugged` : `${eth} added, plugged into ${now}`);
    else if (now === undefined) out.push(`${eth} removed`);
    else if (now === null) out.push(`${eth} unplugged from ${was}`);
    else out.push(`${eth} now plugged into ${now}`);
  }
  return out;
}

function fileDiff(a: Record<string, string>, b: Record<string, string>): string[] {
  const out: string[] = [];
  const paths = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(compare);
  for (const p of paths) {
    if (!Object.hasOwn(a, p)) out.push(`file ${p} added`);
    else if (!Object.hasOwn(b, p)) out.push(`file ${p} removed`);
    else if (a[p] !== b[p]) out.push(`file ${p} changed`);
  }
  return out;
}
