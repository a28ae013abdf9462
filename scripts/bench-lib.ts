// Helpers shared by the bench's sections (scripts/bench.ts, scripts/bench-kernel.ts).
import { readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import type { Engine } from "../server/engine/engine";
import type { LiveEvent } from "../server/engine/live";
import { umlTmpDir } from "../server/engine/host";
import { descendants } from "../server/engine/procs";
import { stripTerminalEscapes } from "../server/engine/uml/console-buffer";
import { resolveLab, type KernelChoice, type Lab, type RawLab } from "../server/model/lab";

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const memAvailableKiB = () => Number(/MemAvailable:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))![1]);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const log = (m: string) => process.stderr.write(`bench: ${m}\n`);

export function chainLab(name: string, n: number, mem?: string, perSwitch = 10, kernel?: RawLab["kernel"]): Lab {
  const nodes: Record<string, { eth: string[]; mem?: string }> = {};
  const switches: Record<string, object> = {};
  for (let i = 0; i < n; i++) {
    const sw = `sw${Math.floor(i / perSwitch)}`;
    switches[sw] = {};
    nodes[`n${i}`] = mem ? { eth: [sw], mem } : { eth: [sw] };
  }
  return resolveLab({ name, nodes, switches, ...(kernel ? { kernel } : {}) });
}

// A prompt line anywhere, not only at the end: a kernel message printed after the prompt (a link
// coming up) left the last line without it, no more output came, and the bench waited out its timeout.
// busybox's "pc1:/# ", Debian bash's "root@pc1:/# ".
const hasPrompt = (text: string, node: string) => new RegExp(`(^|\\n)([\\w-]+@)?${node}:[^\\n]*# `).test(stripTerminalEscapes(text).trimEnd() + " ");

/**
 * Resolves when every node of the lab shows its shell prompt. Checked on
 * each console write of a node, not on a timer: a poll every 20 ms rounded
 * each boot up to the next tick, a step larger than some differences the
 * bench measures.
 */
export function waitPrompts(engine: Engine, lab: Lab, timeoutMs: number): Promise<void> {
  const run = engine.run(lab.name)!;
  const prompted = new Set<string>();
  return new Promise<void>((resolve, reject) => {
    const check = (name: string) => {
      const node = run.nodes.get(name);
      if (!node) return;
      if (hasPrompt(node.console.text(), name)) prompted.add(name);
      if (prompted.size === run.nodes.size) finish(null);
    };
    const onConsole = (l: string, name: string) => {
      if (l === lab.name) check(name);
    };
    const onState = (ev?: LiveEvent) => {
      if (ev && (ev.lab !== lab.name || ev.patch.kind !== "node")) return;
      const crashed = [...run.nodes.values()].filter((n) => n.state === "crashed" || n.state === "halted");
      if (crashed.length) finish(new Error(`${crashed.length} nodes failed: ${crashed[0].reason}`));
    };
    const timer = setTimeout(() => {
      const missing = [...run.nodes.values()].filter((n) => !prompted.has(n.name));
      const tail = missing[0] ? `; ${missing[0].name} (${missing[0].state}) last printed: ${JSON.stringify(stripTerminalEscapes(missing[0].console.text()).slice(-300))}` : "";
      finish(new Error(`not all prompts within ${timeoutMs} ms: ${missing.length} of ${run.nodes.size} without one${tail}`));
    }, timeoutMs);
    const finish = (e: Error | null) => {
      clearTimeout(timer);
      engine.off("console", onConsole);
      engine.off("patch", onState);
      if (e) reject(e);
      else resolve();
    };
    engine.on("console", onConsole);
    engine.on("patch", onState);
    for (const name of run.nodes.keys()) check(name);
    onState();
  });
}

/**
 * What a guest owns: the anonymous memory of its processes (the one the
 * engine spawned and every descendant: a sandboxed guest's processes are in
 * its sandbox's session, not the spawned bwrap's) and its memory file's
 * allocated blocks.
 */
export function ownedBytes(spawned: number): number {
  let bytes = 0;
  const files = new Set<string>();
  for (const pid of [spawned, ...descendants(spawned)]) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
      bytes += Number(/^Anonymous:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0) * 1024;
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        // UML's memory file: an unlinked file in its TMPDIR ("/dev/shm/#4260 (deleted)").
        if (target.startsWith(umlTmpDir()) && target.endsWith(" (deleted)") && !files.has(target)) {
          files.add(target);
          bytes += statSync(`/proc/${pid}/fd/${fd}`).blocks * 512;
        }
      }
    } catch {
      // a process that just ended
    }
  }
  return bytes;
}


/** Engine start of a one-node lab (no links: nothing else inside the clock) → its shell prompt on the console, in ms. */
export async function nodeBoot(engine: Engine, name: string, kernel: KernelChoice): Promise<number> {
  const lab = resolveLab({ name, kernel, nodes: { n0: {} } });
  const run = engine.prepare(lab);
  const t0 = performance.now();
  await run.startNode("n0");
  await waitPrompts(engine, lab, 60000);
  const ms = performance.now() - t0;
  await engine.stop(lab.name);
  engine.removeLabFiles(lab.name);
  return ms;
}
