// The snapshot part of `npm run bench`: the 4-router OSPF ring (the sample
// lab) snapshotted and rolled back, stopped and running, and what its
// snapshot takes on disk against the COWs' apparent size.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { mergeDisk, removeMergedImage } from "../server/engine/image/merged";
import { LabArchives } from "../server/engine/lab-archives";
import { LabDisks } from "../server/engine/lab-disks";
import type { Engine } from "../server/engine/engine";
import { parseLabYaml } from "../server/labfile/labyaml";
import { log, median, waitPrompts } from "./bench-lib";

type Row = [string, string, string];

export interface SnapshotResults {
  nodes: number;
  /** ms per snapshot of the stopped lab, and of the running lab (whole call: sync, freeze, copy, go). */
  takeStopped: number[];
  takeRunning: number[];
  /** How long the running guests were paused, per snapshot (ms). */
  frozen: number[];
  /** ms to put the disks back (the lab stopped). */
  restore: number[];
  /** A rollback of the running lab as the server does it: stop, put the disks back, start, until every prompt (ms). */
  rollbackRunningMs: number;
  diskBytes: number;
  apparentBytes: number;
  /** One router's disk merged into a new image (uml_moo, then a sparse copy), the lab stopped: ms, and the image's blocks. */
  mergeMs: number;
  mergedBytes: number;
  /** The whole lab exported as one archive (the lab stopped): ms, its size, and its disks' real use and apparent size. */
  archiveMs: number;
  archiveBytes: number;
  archiveDiskBytes: number;
  archiveApparentBytes: number;
  /** A share link of the running lab made (its copy of the disks), then forked: disks copied into a new lab, started, until every prompt (ms). */
  shareMs: number;
  forkUpMs: number;
}

export async function snapshotBench(engine: Engine, runs: number): Promise<SnapshotResults> {
  const lab = { ...parseLabYaml(readFileSync(join(import.meta.dirname, "..", "server", "samples", "ospf-ring.yaml"), "utf8")), name: "snapring" };
  const disks = new LabDisks(engine);
  const res: SnapshotResults = { nodes: lab.nodes.length, takeStopped: [], takeRunning: [], frozen: [], restore: [], rollbackRunningMs: 0, diskBytes: 0, apparentBytes: 0, mergeMs: 0, mergedBytes: 0, archiveMs: 0, archiveBytes: 0, archiveDiskBytes: 0, archiveApparentBytes: 0, shareMs: 0, forkUpMs: 0 };
  log(`snapshots of the ${lab.nodes.length}-router OSPF ring, ${runs} runs each: running, stopped, rollback`);
  try {
    await engine.start(lab);
    await waitPrompts(engine, lab, 180_000);
    // Something on the disks, as a lab in use has.
    for (const n of lab.nodes) await engine.run(lab.name)!.node(n.name).exec("dd if=/dev/urandom of=/root/blob bs=1M count=4 2>/dev/null; sync", 60);
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const s = await disks.take(lab.name, lab, `running ${i}`, null);
      res.takeRunning.push(performance.now() - t0);
      res.frozen.push(s.frozenMs ?? 0);
      res.diskBytes = s.diskBytes;
      res.apparentBytes = s.apparentBytes;
    }
    // A share link of the running lab, and a fork of it brought up beside it (what the server adds is a database row).
    const fork = { ...lab, name: "snapfork" };
    const t5 = performance.now();
    const share = await disks.takeShare(lab.name, lab, "share-bench");
    res.shareMs = performance.now() - t5;
    try {
      const t6 = performance.now();
      await disks.copyShare(lab.name, share.id, fork.name);
      await engine.start(fork);
      await waitPrompts(engine, fork, 180_000);
      res.forkUpMs = performance.now() - t6;
    } finally {
      await engine.stop(fork.name);
      engine.removeLabFiles(fork.name);
      await disks.removeShare(lab.name, share.id);
    }
    const first = disks.list(lab.name)[0];
    const t4 = performance.now();
    await engine.stop(lab.name);
    await disks.restore(lab.name, first.id, null);
    await engine.start(lab);
    await waitPrompts(engine, lab, 180_000);
    res.rollbackRunningMs = performance.now() - t4;
    await engine.stop(lab.name);
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const s = await disks.take(lab.name, lab, `stopped ${i}`, null);
      res.takeStopped.push(performance.now() - t0);
      const t1 = performance.now();
      await disks.restore(lab.name, s.id, null);
      res.restore.push(performance.now() - t1);
    }
    const node = lab.nodes[0];
    const t2 = performance.now();
    const merged = await disks.fold(lab.name, lab, node.name, (cow, backing) => mergeDisk(engine.root, { name: "bench-merged", cow, backing, parent: node.image, from: { lab: lab.name, node: node.name }, memoryMiB: node.memoryMiB }));
    res.mergeMs = performance.now() - t2;
    res.mergedBytes = merged.bytes;
    removeMergedImage(engine.root, merged.name);
    const archives = new LabArchives(engine, disks);
    const token = "0".repeat(32);
    const t3 = performance.now();
    const a = await archives.exportLab(lab.name, lab, token);
    res.archiveMs = performance.now() - t3;
    res.archiveBytes = a.bytes;
    res.archiveDiskBytes = a.diskBytes;
    res.archiveApparentBytes = a.apparentBytes;
    archives.drop(token);
  } finally {
    await engine.stop(lab.name);
    engine.removeLabFiles(lab.name);
  }
  return res;
}

export function snapshotRows(r: SnapshotResults): Row[] {
  const ms = (xs: number[]) => `${median(xs).toFixed(0)} ms`;
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  return [
    [`snapshot of a running ${r.nodes}-router OSPF ring (sync, pause, copy, go; median of ${r.takeRunning.length})`, ms(r.takeRunning), `guests paused ${ms(r.frozen)}`],
    [`snapshot of the same lab stopped (median of ${r.takeStopped.length})`, ms(r.takeStopped), ""],
    [`rollback's disk part, the lab stopped (median of ${r.restore.length})`, ms(r.restore), ""],
    ["rollback of the running lab: stop, disks back, start, until every router's prompt", `${(r.rollbackRunningMs / 1000).toFixed(1)} s`, "what the Roll back button costs a running lab"],
    ["one router's disk merged into a new image (uml_moo over the 1 GiB router image, then a sparse copy)", `${(r.mergeMs / 1000).toFixed(1)} s`, `the image takes ${mib(r.mergedBytes)} on disk`],
    [
      "the whole lab as one archive (lab.yaml and the COWs' written blocks, gzip -1)",
      `${mib(r.archiveBytes)} in ${(r.archiveMs / 1000).toFixed(1)} s`,
      `its disks take ${mib(r.archiveDiskBytes)} (blocks), ${mib(r.archiveApparentBytes)} apparent: the archive is ${(r.archiveApparentBytes / Math.max(1, r.archiveBytes)).toFixed(0)}× smaller than their apparent size`,
    ],
    [`a share link of the running ring (its own copy of the disks, guests paused as for a snapshot)`, `${r.shareMs.toFixed(0)} ms`, ""],
    [`fork of that link until its ${r.nodes} routers are up (disks copied into a new lab, started beside the original, every prompt)`, `${(r.forkUpMs / 1000).toFixed(1)} s`, "what Fork and Start cost a student"],
    ["a snapshot's disk use (4 MiB written per router)", mib(r.diskBytes), `COWs' apparent size ${mib(r.apparentBytes)}: ${(r.apparentBytes / Math.max(1, r.diskBytes)).toFixed(0)}× smaller`],
  ];
}
