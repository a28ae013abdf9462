import { compareText, fieldChanges, type Difference, type FieldTable } from "./field";
import type { Lab, Node } from "./lab";
import { diskFields, gatewayFields, labFields, nodeFields, switchFields } from "./shape";

/**
 * What it takes to bring a running lab in line with one difference:
 * restart that node, start that (new) node, restart the whole lab, or nothing.
 */
export type ChangeApply = "restart-node" | "start-node" | "restart-lab" | "none";

export interface LabChange {
  kind: "node" | "switch" | "gateway" | "disk" | "lab";
  name: string;
  /** For a person: "memory 64M → 128M", "added", "eth1 now plugged into sw2", ... */
  what: string;
  apply: ChangeApply;
}

const KIND_ORDER: Record<LabChange["kind"], number> = { lab: 0, switch: 1, gateway: 2, disk: 3, node: 4 };
/** What a change takes, least first: an element with several differences takes the most any of them needs. */
const APPLY_RANK: Record<ChangeApply, number> = { none: 0, "start-node": 1, "restart-node": 2, "restart-lab": 3 };

/**
 * The differences between the definition a running lab was started with and
 * the saved one (a lab edited while it runs), field by field as shape.ts
 * tells them apart and says what each takes. A node changes alone only while
 * every switch it plugs into already runs; anything about switches or
 * gateways, or a node gone, takes the lab down and up again. Canvas positions
 * never matter. An element with several differences has one entry for each.
 * Sorted by kind (lab, switch, gateway, node), then name.
 */
export function labChanges(running: Lab, saved: Lab): LabChange[] {
  const runningSwitches = new Set(running.switches.map((s) => s.name));
  // The running switches are the only ones a node can be plugged into without the lab restarting.
  const alone = (n: Node) => n.interfaces.every((i) => i.switch === null || runningSwitches.has(i.switch));
  const changes: LabChange[] = [
    ...fieldChanges(labFields, running, saved).map((d) => ({ kind: "lab" as const, name: saved.name, ...d })),
    ...elementChanges("switch", running.switches, saved.switches, switchFields, () => false, () => "added"),
    // A gateway's slirpvde is started with the lab, on its switch: say which.
    ...elementChanges("gateway", running.gateways, saved.gateways, gatewayFields, () => false, (g) => (g.switch === null ? "added" : `added on ${g.switch}`)),
    ...elementChanges("node", running.nodes, saved.nodes, nodeFields, alone, () => "added"),
  ];
  // A disk is only a file until a node boots with it (that node's own change restarts it): nothing to do for the disk itself.
  for (const c of elementChanges("disk", running.disks, saved.disks, diskFields, () => false, () => "added")) changes.push({ ...c, apply: "none" });
  // A stable sort keeps each element's differences in the order of its fields.
  return changes.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || compareText(a.name, b.name));
}

/**
 * The differences of one kind of element: added, removed, or changed field by
 * field. An element that cannot change alone (a switch, a gateway, a node on
 * a switch the running lab lacks) takes a lab restart for anything.
 */
function elementChanges<M extends { name: string }>(
  kind: LabChange["kind"],
  running: M[],
  saved: M[],
  fields: FieldTable,
  alone: (m: M) => boolean,
  added: (m: M) => string,
): LabChange[] {
  const before = new Map(running.map((m) => [m.name, m]));
  const after = new Set(saved.map((m) => m.name));
  const out: LabChange[] = [];
  for (const m of saved) {
    const was = before.get(m.name);
    if (!was) out.push({ kind, name: m.name, what: added(m), apply: alone(m) ? "start-node" : "restart-lab" });
    else out.push(...together(kind, m.name, fieldChanges(fields, was, m), alone(m)));
  }
  for (const name of before.keys()) if (!after.has(name)) out.push({ kind, name, what: "removed", apply: "restart-lab" });
  return out;
}

/** One element's differences, all applied as the most demanding of them needs: a node restarted for one takes them all. */
function together(kind: LabChange["kind"], name: string, diffs: Difference[], alone: boolean): LabChange[] {
  const needed = diffs.reduce<ChangeApply>((top, d) => (APPLY_RANK[d.apply] > APPLY_RANK[top] ? d.apply : top), "none");
  const apply = needed === "restart-node" && !alone ? "restart-lab" : needed;
  return diffs.map((d) => ({ kind, name, what: d.what, apply }));
}
