// Failover of the bundled ha-cluster lab (server/samples/ha-cluster.yaml):
// from killing the node that holds the service (the engine's crash fault) to
// the end of the client's next write to the NFS export, which waited through
// heartbeat's takeover on the other node (disk, export, service IP). Each
// run crashes whichever node holds the service, then starts it again as the
// standby. Run alone: `node --import tsx scripts/bench-cluster.ts`
// (BENCH_CLUSTER_RUNS, 3).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Engine } from "../server/engine/engine";
import { parseLabYaml } from "../server/labfile/labyaml";
import { activeNode, clientWrites, crashAndMeasure, heartbeatView, until } from "../server/samples/ha-cluster-probe";
import { log, median } from "./bench-lib";

type Row = [string, string, string];

const SAMPLE = join(import.meta.dirname, "..", "server", "samples", "ha-cluster.yaml");
/** The failover time the issue asks for. */
const GOAL_MS = 10000;

/** Milliseconds from each crash to the client's next successful write. */
export async function clusterBench(engine: Engine, runs: number): Promise<number[]> {
  log(`ha-cluster failover: crash the active node → the client's next write to the export, ${runs} runs`);
  const lab = parseLabYaml(readFileSync(SAMPLE, "utf8").replace(/^name: ha-cluster$/m, "name: bench-ha-cluster"));
  const run = await engine.start(lab);
  const times: number[] = [];
  try {
    await run.waitRunning(180000);
    let active = await until("a node holding the disk, the export and the IP", 120000, () => activeNode(run));
    for (let i = 0; i < runs; i++) {
      const standby = active === "one" ? "two" : "one";
      // A standby that does not hear the active node yet (it just booted) would not be taking over from it.
      await until(`${standby} hearing ${active}`, 90000, async () => (await heartbeatView(run, standby))[active] === "active");
      const since = Date.now();
      await until("the client writing", 60000, async () => (await clientWrites(run)).some((t) => t > since));
      const ms = await crashAndMeasure(run, active);
      times.push(ms);
      log(`  run ${i + 1}: ${active} crashed → write after ${(ms / 1000).toFixed(1)} s`);
      await until(`${standby} holding the service`, 60000, () => activeNode(run, [standby]));
      await run.startNode(active);
      await run.node(active).waitRunning(90000);
      active = standby;
    }
  } finally {
    await engine.stop(lab.name);
    engine.removeLabFiles(lab.name);
  }
  return times;
}

export function clusterRows(times: number[]): Row[] {
  const s = (x: number) => `${(x / 1000).toFixed(1)} s`;
  const med = median(times);
  return [
    [
      `ha-cluster failover: active node crashed → the client's next NFS write succeeds (median of ${times.length})`,
      s(med),
      `goal ≤ 10 s: ${med <= GOAL_MS ? "met" : "**not met**"}; runs ${times.map(s).join(", ")}; heartbeat keepalive 0.5 s and deadtime 3 s, then its takeover of disk, export and IP`,
    ],
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.env.UMLAB_KERNELS ??= join(import.meta.dirname, "..", ".umlab", "kernels");
  process.env.UMLAB_IMAGES ??= join(import.meta.dirname, "..", ".umlab", "images");
  const root = mkdtempSync(join(tmpdir(), "umlab-bench-cluster-"));
  const engine = new Engine(root);
  try {
    for (const [m, v, n] of clusterRows(await clusterBench(engine, Number(process.env.BENCH_CLUSTER_RUNS ?? 3)))) console.log(`${m}: ${v} (${n})`);
  } finally {
    await engine.stopAll();
    rmSync(root, { recursive: true, force: true });
  }
}
