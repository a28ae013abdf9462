// The fast kernel's part of `npm run bench`: node start → prompt on the fast
// and on Debian's kernel, memory per idle node at mem=32M, and the largest
// busybox lab this machine runs, stepped up until it stops.
import { Engine } from "../server/engine/engine";
import { fastKernel } from "../server/engine/kernel/kernels";
import { resolveLab, type KernelChoice, type Lab } from "../server/model/lab";
import { chainLab, log, memAvailableKiB, nodeBoot, ownedBytes, sleep, waitPrompts } from "./bench-lib";

export interface ScaleStep {
  n: number;
  /** Start until every node runs and has pinged its neighbour; null when it did not get there. */
  seconds: number | null;
  why: string | null;
}

export interface KernelResults {
  release: string;
  boot: Record<KernelChoice, number[]>;
  mem32: number;
  scale: ScaleStep[];
}

const SCALE_STEPS = (process.env.BENCH_SCALE_STEPS ?? "250,500,1000,1500").split(",").map(Number);
const SCALE_TIMEOUT_MS = Number(process.env.BENCH_SCALE_TIMEOUT ?? 300) * 1000;
/** Budgeted per node before a step is tried: about twice an idle 32M node (8.5 MiB measured). */
const MIB_PER_NODE = 16;

export async function kernelBench(engine: Engine, runs: number): Promise<KernelResults> {
  const fast = fastKernel(engine.root);
  if (!fast) throw new Error("the fast kernel is not built: `npm test` builds it, or `umlab kernel build` with the server running");
  const boot: KernelResults["boot"] = { fast: [], debian: [] };
  log(`node start -> prompt, fast vs Debian kernel, ${runs} paired runs (one warm-up each)`);
  for (let i = -1; i < runs; i++) {
    for (const k of ["fast", "debian"] as const) {
      const ms = await nodeBoot(engine, `k${k}${i + 1}`, k);
      if (i >= 0) boot[k].push(ms);
    }
  }
  log("real memory per idle node, fast kernel, mem=32M, 10 nodes");
  const mem32 = await memoryAt32(engine);
  const scale: ScaleStep[] = [];
  for (const n of SCALE_STEPS) {
    const needMiB = n * MIB_PER_NODE + 1024;
    if (memAvailableKiB() / 1024 < needMiB) {
      scale.push({ n, seconds: null, why: `not tried: ${n} nodes need about ${needMiB} MiB, MemAvailable is ${(memAvailableKiB() / 1024).toFixed(0)} MiB` });
      break;
    }
    log(`largest lab: ${n} nodes in chains of switches, each pinging its neighbour`);
    const step = await scaleStep(engine, n);
    log(`  ${n} nodes: ${step.seconds === null ? step.why : `${step.seconds.toFixed(1)} s`}`);
    scale.push(step);
    if (step.seconds === null) break;
  }
  return { release: fast.release, boot, mem32, scale };
}

export interface SandboxResults {
  inside: number[];
  outside: number[];
}

/**
 * What the sandbox costs a node's start: node start → prompt on the fast
 * kernel, sandboxed (as every lab runs) against outside it (an engine made
 * with `sandbox: false`, which only this bench uses), paired runs after one
 * warm-up each.
 */
export async function sandboxBench(root: string, runs: number): Promise<SandboxResults> {
  const engines = { inside: new Engine(root), outside: new Engine(root, { sandbox: false }) };
  const results: SandboxResults = { inside: [], outside: [] };
  log(`node start -> prompt, fast kernel, inside its sandbox vs outside, ${runs} paired runs (one warm-up each)`);
  for (let i = -1; i < runs; i++) {
    for (const k of ["inside", "outside"] as const) {
      const ms = await nodeBoot(engines[k], `sb${k}${i + 1}`, "fast");
      if (i >= 0) results[k].push(ms);
    }
  }
  return results;
}

async function memoryAt32(engine: Engine, n = 10): Promise<number> {
  const lab = chainLab("mem32", n, "32M", 10, "fast");
  const run = await engine.start(lab);
  await waitPrompts(engine, lab, 120000);
  await sleep(5000);
  let owned = 0;
  for (const node of run.nodes.values()) owned += ownedBytes(node.pid!);
  await engine.stop(lab.name);
  engine.removeLabFiles(lab.name);
  return owned / 2 ** 20 / n;
}

/** Node i is 10.x.y.z with x.y.z = i+1; nodes 2k and 2k+1 share a switch and ping each other. */
function scaleLab(n: number): Lab {
  const ip = (i: number) => `10.${((i + 1) >> 16) & 255}.${((i + 1) >> 8) & 255}.${(i + 1) & 255}`;
  const nodes: Record<string, object> = {};
  const switches: Record<string, object> = {};
  for (let i = 0; i < n; i++) {
    const sw = `sw${Math.floor(i / 10)}`;
    switches[sw] = {};
    const neighbour = (i ^ 1) < n ? i ^ 1 : i - 1;
    nodes[`n${i}`] = {
      mem: "32M",
      eth: [sw],
      startup: [
        `ip addr add ${ip(i)}/8 dev eth0`,
        "ip link set eth0 up",
        // In the background, so the node's boot does not wait for its neighbour's.
        // A try waits up to 5 s for its answer: with a thousand guests each
        // starting a ping a second, the pings themselves were load enough to
        // slow every answer past a 1 s timeout.
        `(for t in $(seq 60); do ping -c 1 -W 5 ${ip(neighbour)} >/dev/null 2>&1 && { echo PING-OK-n${i} >/dev/console; break; }; done) &`,
      ].join("\n"),
    };
  }
  return resolveLab({ name: `scale${n}`, kernel: "fast", nodes, switches });
}

export async function scaleStep(engine: Engine, n: number): Promise<ScaleStep> {
  const lab = scaleLab(n);
  const pinged = new Set<string>();
  const onConsole = (l: string, _node: string, data: string) => {
    if (l !== lab.name) return;
    for (const m of data.matchAll(/PING-OK-(n\d+)/g)) pinged.add(m[1]);
  };
  engine.on("console", onConsole);
  const t0 = performance.now();
  try {
    const run = await engine.start(lab);
    for (;;) {
      const nodes = [...run.nodes.values()];
      const failed = nodes.find((x) => x.state === "crashed" || x.state === "halted");
      if (failed) return { n, seconds: null, why: `${failed.name} ${failed.state}: ${(failed.reason ?? "").split("\n").slice(-3).join(" / ")}` };
      if (pinged.size === n && nodes.every((x) => x.state === "running")) return { n, seconds: (performance.now() - t0) / 1000, why: null };
      if (performance.now() - t0 > SCALE_TIMEOUT_MS)
      {
        const stuck = nodes.find((x) => x.state !== "running") ?? nodes.find((x) => !pinged.has(x.name));
        return {
          n,
          seconds: null,
          why: `not all up within ${SCALE_TIMEOUT_MS / 1000} s: ${nodes.filter((x) => x.state === "running").length} running, ${pinged.size} pinged; ${stuck?.name} (${stuck?.state}) last printed: ${stuck?.console.tail(3).replace(/\n/g, " / ")}`,
        };
      }
      await sleep(250);
    }
  } catch (e) {
    return { n, seconds: null, why: `start failed: ${(e as Error).message.split("\n")[0]}` };
  } finally {
    engine.off("console", onConsole);
    log(`  stopping ${n} nodes`);
    await engine.stop(lab.name);
    engine.removeLabFiles(lab.name);
  }
}
