import type { LabStatus } from "../engine/lab-run";
import type { ServerRequest } from "./kathara";

export const CABLE_USAGE = "LAB NODE.ttySN cut|mend";

/**
 * `umlab cable LAB NODE.ttySN cut|mend`: cuts or mends the serial cable on a
 * line (either end) of a running lab, then prints the cable's state.
 */
export async function cableCommand(rest: string[], request: ServerRequest): Promise<number> {
  const [lab, line, action, ...more] = rest;
  if (!/^[a-z][a-z0-9-]*\.ttyS\d+$/.test(line)) throw new Error(`"${line}" is not NODE.ttySN (e.g. node1.ttyS2)`);
  if (action !== "cut" && action !== "mend") throw new Error(`unknown cable action "${action}" (cut, mend)`);
  if (more.length) throw new Error(`unexpected "${more[0]}": usage: umlab cable ${CABLE_USAGE}`);
  const res = await request(`/api/labs/${encodeURIComponent(lab)}/cables/${encodeURIComponent(line)}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ action }),
  });
  const s = (await res.json()) as LabStatus;
  const c = s.cables?.find((x) => x.a === line || x.b === line);
  if (c) console.log(`${c.a} ↔ ${c.b}: ${c.cut ? "cut" : "whole"}`);
  return 0;
}
