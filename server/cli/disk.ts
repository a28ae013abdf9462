import type { LabStatus } from "../engine/lab-run";
import type { ServerRequest } from "./kathara";

export const DISK_USAGE = "LAB [NODE plug|unplug DISK]";

/** The lab's disks as a table: who boots with each, who has it now, who holds it open. */
export function diskTable(s: LabStatus): string {
  const rows = (s.disks ?? []).map((d) => {
    const slots = s.nodes.flatMap((n) => (n.disks ?? []).filter((p) => p.name === d.name).map((p) => `${n.name}:${p.device}`));
    return [d.name, d.users.length > 1 ? "shared" : "private", d.users.join(",") || "-", slots.join(" ") || "-", d.holder ?? "-"];
  });
  const all = [["DISK", "KIND", "BOOTS WITH", "IN (NODE:DEVICE)", "HELD BY"], ...rows];
  const widths = all[0].map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}

/**
 * `umlab disk LAB`: the lab's disks (running or not). `umlab disk LAB NODE
 * plug|unplug DISK`: one of the lab's disks into or out of a running node,
 * through its machine console; prints the disks afterwards.
 */
export async function diskCommand(rest: string[], request: ServerRequest): Promise<number> {
  const [lab, node, action, disk, ...more] = rest;
  if (!lab) throw new Error(`usage: umlab disk ${DISK_USAGE}`);
  if (node === undefined) {
    const res = await request(`/api/labs/${encodeURIComponent(lab)}/status`);
    console.log(diskTable((await res.json()) as LabStatus));
    return 0;
  }
  if (action !== "plug" && action !== "unplug") throw new Error(`unknown disk action "${action ?? ""}" (plug, unplug): usage: umlab disk ${DISK_USAGE}`);
  if (!disk) throw new Error(`which disk? usage: umlab disk ${DISK_USAGE}`);
  if (more.length) throw new Error(`unexpected "${more[0]}": usage: umlab disk ${DISK_USAGE}`);
  const res = await request(`/api/labs/${encodeURIComponent(lab)}/nodes/${encodeURIComponent(node)}/disks`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ disk, action }),
  });
  const s = (await res.json()) as LabStatus;
  const now = s.nodes.find((n) => n.name === node)?.disks?.find((p) => p.name === disk);
  console.log(action === "plug" ? `${disk} is ${node}'s ${now?.device ?? "?"}` : `${disk} is out of ${node}`);
  console.log(diskTable(s));
  return 0;
}
