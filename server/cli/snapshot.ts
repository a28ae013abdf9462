import type { SnapshotInfo } from "../engine/disk/snapshots";
import type { LabStatus } from "../engine/lab-run";
import type { ServerRequest } from "./kathara";
import { printStatus, table } from "./status";

export const SNAPSHOT_USAGE = `  snapshot LAB [NAME] [--node NODE]
                                  keep the disks of a lab (or of one node) and its definition
                                  as they are now; running guests are frozen for the copy
  snapshot LAB ls                 a lab's snapshots: when, what, and the disk they take
  snapshot LAB rollback SNAPSHOT [--node NODE]
                                  back to a snapshot (the whole lab, or one node's disk);
                                  what ran is stopped and started again
  snapshot LAB rm SNAPSHOT        delete a snapshot
  reset LAB [--node NODE]         back to the start: every disk (or one node's) made afresh`;

const enc = encodeURIComponent;
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;

/** Takes `--node NODE` out of args; the node or null. */
function nodeOption(args: string[]): string | null {
  const at = args.indexOf("--node");
  if (at < 0) return null;
  const node = args[at + 1];
  if (!node || node.startsWith("-")) throw new Error("--node needs a node's name");
  args.splice(at, 2);
  return node;
}

const json = (body: unknown): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** A snapshot given by its id or its name, to its id. */
async function snapshotId(lab: string, ref: string, request: ServerRequest): Promise<SnapshotInfo> {
  const { snapshots } = (await (await request(`/api/labs/${enc(lab)}/snapshots`)).json()) as { snapshots: SnapshotInfo[] };
  const s = snapshots.find((x) => x.id === ref) ?? snapshots.find((x) => x.name === ref);
  if (!s) throw new Error(`lab ${lab} has no snapshot "${ref}" (umlab snapshot ${lab} ls)`);
  return s;
}

/** `umlab snapshot LAB ...`: the caller checks that LAB is there. */
export async function snapshotCommand(rest: string[], request: ServerRequest): Promise<number> {
  const args = [...rest];
  const node = nodeOption(args);
  const [lab, sub, ref] = args;
  if (sub === "ls") {
    const { snapshots } = (await (await request(`/api/labs/${enc(lab)}/snapshots`)).json()) as { snapshots: SnapshotInfo[] };
    if (!snapshots.length) console.log(`lab ${lab} has no snapshots`);
    else
      console.log(
        table([
          ["ID", "NAME", "OF", "TAKEN", "DISK", "APPARENT"],
          ...snapshots.map((s) => [s.id, s.name, s.node ?? "the lab", s.createdAt.replace("T", " ").slice(0, 19), mib(s.diskBytes), mib(s.apparentBytes)]),
        ]),
      );
    return 0;
  }
  if (sub === "rollback" || sub === "rm") {
    if (!ref) throw new Error(`umlab snapshot ${lab} ${sub} needs a SNAPSHOT (its id or name)`);
    const snap = await snapshotId(lab, ref, request);
    if (sub === "rm") {
      await request(`/api/labs/${enc(lab)}/snapshots/${enc(snap.id)}`, { method: "DELETE" });
      console.log(`deleted snapshot ${snap.name} (${snap.id}) of lab ${lab}`);
      return 0;
    }
    const s = (await (await request(`/api/labs/${enc(lab)}/snapshots/${enc(snap.id)}/rollback`, json({ node }))).json()) as LabStatus;
    console.log(`rolled ${node ? `node ${node} of lab ${lab}` : `lab ${lab}`} back to snapshot ${snap.name}`);
    printStatus(s);
    return 0;
  }
  const name = sub ?? `snapshot ${new Date().toISOString().replace("T", " ").slice(0, 19)}`;
  if (args.length > 2) throw new Error(`unexpected "${args[2]}": usage:\n${SNAPSHOT_USAGE}`);
  const s = (await (await request(`/api/labs/${enc(lab)}/snapshots`, json({ name, node }))).json()) as SnapshotInfo;
  const froze = s.frozenMs === null ? "" : `, guests frozen ${s.frozenMs} ms`;
  console.log(`snapshot ${s.name} (${s.id}) of ${node ? `node ${node}` : `lab ${lab}`}: ${s.disks.length} disk(s), ${mib(s.diskBytes)} on disk (${mib(s.apparentBytes)} apparent)${froze}`);
  return 0;
}

/** `umlab reset LAB [--node NODE]`. */
export async function resetCommand(rest: string[], request: ServerRequest): Promise<number> {
  const args = [...rest];
  const node = nodeOption(args);
  const s = (await (await request(`/api/labs/${enc(args[0])}/reset`, json({ node }))).json()) as LabStatus;
  console.log(`reset ${node ? `node ${node} of lab ${args[0]}` : `lab ${args[0]}`}: its disk${node ? " is" : "s are"} fresh`);
  printStatus(s);
  return 0;
}
