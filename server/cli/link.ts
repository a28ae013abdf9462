import type { LabStatus } from "../engine/lab-run";
import type { ServerRequest } from "./kathara";
import { linkState } from "./status";

export const LINK_USAGE = "LAB NODE.ethN pull|plug|clear|impair [--loss PCT] [--delay MS] [--bandwidth KBIT] [--dup PCT]";

const IMPAIR_OPTIONS: Record<string, string> = { "--loss": "lossPct", "--delay": "delayMs", "--bandwidth": "bandwidthKbit", "--dup": "dupPct" };

/**
 * `umlab link LAB NODE.ethN pull|plug|clear|impair [...]`: acts on the link
 * at its switch, then prints the link's new state. The caller checks that
 * LAB, NODE.ethN and the action are there.
 */
export async function linkCommand(rest: string[], request: ServerRequest): Promise<number> {
  const [lab, ref, action, ...opts] = rest;
  const m = /^(.+)\.(eth\d+)$/.exec(ref);
  if (!m) throw new Error(`"${ref}" is not NODE.ethN (e.g. node1.eth0)`);
  const body: Record<string, unknown> = { action };
  if (!["pull", "plug", "clear", "impair"].includes(action)) throw new Error(`unknown link action "${action}" (pull, plug, clear, impair)`);
  for (let i = 0; i < opts.length; i += 2) {
    const field = IMPAIR_OPTIONS[opts[i]];
    if (action !== "impair" || !field) throw new Error(`unexpected "${opts[i]}": usage: umlab link ${LINK_USAGE}`);
    const value = Number(opts[i + 1]);
    if (opts[i + 1] === undefined || !Number.isFinite(value)) throw new Error(`${opts[i]} needs a number`);
    body[field] = value;
  }
  if (action === "impair" && Object.keys(body).length === 1) throw new Error("impair needs at least one of --loss, --delay, --bandwidth, --dup");
  const res = await request(`/api/labs/${encodeURIComponent(lab)}/links/${encodeURIComponent(m[1])}/${encodeURIComponent(m[2])}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const s = (await res.json()) as LabStatus;
  const l = s.links.find((x) => x.node === m[1] && x.iface === m[2]);
  if (l) console.log(`${ref} (${l.switch} port ${l.port ?? "-"}): ${linkState(l)}`);
  return 0;
}
