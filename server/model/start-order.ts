import type { Problem } from "./errors";
import type { Node } from "./lab";

/** `after` names nodes of the lab, and the order has no cycle. */
export function checkStartOrder(nodes: Node[], problems: Problem[]): void {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  for (const n of nodes) {
    for (const [i, dep] of n.after.entries()) {
      if (!byName.has(dep)) problems.push({ path: ["nodes", n.name, "after", i], message: `"${dep}" is not a node of this lab` });
      else if (dep === n.name) problems.push({ path: ["nodes", n.name, "after", i], message: `a node cannot start after itself` });
    }
  }
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, path: string[]): string[] | null => {
    if (state.get(name) === "done") return null;
    if (state.get(name) === "visiting") return [...path.slice(path.indexOf(name)), name];
    state.set(name, "visiting");
    for (const dep of byName.get(name)?.after ?? []) {
      if (dep === name || !byName.has(dep)) continue;
      const cycle = visit(dep, [...path, name]);
      if (cycle) return cycle;
    }
    state.set(name, "done");
    return null;
  };
  for (const n of nodes) {
    const cycle = visit(n.name, []);
    if (cycle) {
      problems.push({ path: ["nodes", cycle[0], "after"], message: `start order has a cycle: ${cycle.join(" → ")}` });
      return;
    }
  }
}
