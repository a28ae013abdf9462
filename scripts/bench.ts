// `npm run bench`: boot time, lab start time, memory per node and node
// capacity, measured on this machine in one run; prints a table and writes
// docs/BENCHMARKS.md. Real guests, real switches, nothing mocked.
import { spawn } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Engine } from "../server/engine/engine";
import { umlKernel, umlTmpDir } from "../server/engine/host";
import { busyboxImage } from "../server/engine/image/busybox";
import { endSession, sessionMembers } from "../server/engine/procs";
import { stripTerminalEscapes } from "../server/engine/uml/console-buffer";
import { xstateShim } from "../server/engine/uml/xstate-shim";
import { resolveLab, type Lab } from "../server/model/lab";

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const CAP_MAX = Number(process.env.BENCH_CAP_MAX ?? 300);
const CAP_BATCH = 50;
const root = mkdtempSync(join(tmpdir(), "umlab-bench-"));
const engine = new Engine(root);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const memAvailableKiB = () => Number(/MemAvailable:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))![1]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => process.stderr.write(`bench: ${m}\n`);

/** linux.uml alone, started by hand as DESIGN.md does it: launch until the kernel runs init. */
async function rawBoot(image: string, shim: string, i: number): Promise<number> {
  const cow = join(root, `raw-${i}.cow`);
  const t0 = performance.now();
  const child = spawn(umlKernel(), [`ubd0=${cow},${image}`, "root=/dev/ubda", "rw", "init=/init", "mem=64M", "con=null", "con0=fd:0,fd:1", `umid=raw${i}`, `uml_dir=${root}/uml`], {
    env: { ...process.env, LD_PRELOAD: shim, TMPDIR: umlTmpDir() },
    stdio: ["pipe", "pipe", "ignore"],
    detached: true,
  });
  let out = "";
  const ms = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("raw boot: no init within 60 s")), 60000);
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("Run /init as init process")) {
        clearTimeout(timer);
        resolve(performance.now() - t0);
      }
    });
  });
  await endSession(child.pid!, 500);
  rmSync(cow, { force: true });
  return ms;
}

function chainLab(name: string, n: number, mem?: string, perSwitch = 10): Lab {
  const nodes: Record<string, { eth: string[]; mem?: string }> = {};
  const switches: Record<string, object> = {};
  for (let i = 0; i < n; i++) {
    const sw = `sw${Math.floor(i / perSwitch)}`;
    switches[sw] = {};
    nodes[`n${i}`] = mem ? { eth: [sw], mem } : { eth: [sw] };
  }
  return resolveLab({ name, nodes, switches });
}

const hasPrompt = (text: string, node: string) => new RegExp(`${node}:[^\\n]*# $`).test(stripTerminalEscapes(text).trimEnd() + " ");

async function waitPrompts(lab: Lab, timeoutMs: number): Promise<void> {
  const run = engine.run(lab.name)!;
  const until = Date.now() + timeoutMs;
  for (;;) {
    const crashed = [...run.nodes.values()].filter((n) => n.state === "crashed" || n.state === "halted");
    if (crashed.length) throw new Error(`${crashed.length} nodes failed: ${crashed[0].reason}`);
    if ([...run.nodes.values()].every((n) => hasPrompt(n.console.text(), n.name))) return;
    if (Date.now() > until) throw new Error(`not all prompts within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** engine start -> the node's shell prompt on its console. */
async function umlabBoot(i: number): Promise<number> {
  // No links: nothing but the node itself is started inside the clock.
  const lab = resolveLab({ name: `one${i}`, nodes: { n0: {} } });
  const run = engine.prepare(lab);
  const t0 = performance.now();
  await run.startNode("n0");
  await waitPrompts(lab, 60000);
  const ms = performance.now() - t0;
  await engine.stop(lab.name);
  engine.removeLabFiles(lab.name);
  return ms;
}

async function labStart(n: number): Promise<number> {
  const lab = chainLab(`lab${n}`, n);
  const t0 = performance.now();
  await engine.start(lab);
  await waitPrompts(lab, 300000);
  const ms = performance.now() - t0;
  await engine.stop(lab.name);
  engine.removeLabFiles(lab.name);
  return ms;
}

/**
 * Two views of an idle node's real memory: the drop of MemAvailable, and the
 * sum of what each guest owns (its memory file's allocated blocks plus the
 * anonymous memory of its host processes).
 */
async function memoryPerNode(n = 10): Promise<{ available: number; owned: number }> {
  await sleep(2000);
  const before = memAvailableKiB();
  const lab = chainLab("mem", n);
  const run = await engine.start(lab);
  await waitPrompts(lab, 120000);
  await sleep(5000);
  const after = memAvailableKiB();
  let owned = 0;
  for (const node of run.nodes.values()) owned += ownedBytes(node.pid!);
  await engine.stop(lab.name);
  engine.removeLabFiles(lab.name);
  return { available: (before - after) / 1024 / n, owned: owned / 2 ** 20 / n };
}

function ownedBytes(sid: number): number {
  let bytes = 0;
  const files = new Set<string>();
  for (const pid of sessionMembers(sid)) {
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

async function capacity(): Promise<{ held: number; why: string; seconds: number }> {
  const started: string[] = [];
  let held = 0;
  let why = `reached the bench's limit (BENCH_CAP_MAX=${CAP_MAX})`;
  const t0 = performance.now();
  try {
    while (held < CAP_MAX) {
      if (memAvailableKiB() < 1024 * 1024) {
        why = "host memory ran short (MemAvailable < 1 GiB)";
        break;
      }
      const lab = chainLab(`cap${started.length}`, CAP_BATCH);
      started.push(lab.name);
      try {
        await engine.start(lab);
        await waitPrompts(lab, 300000);
      } catch (e) {
        why = `start failed: ${(e as Error).message.split("\n")[0]}`;
        break;
      }
      held += CAP_BATCH;
      log(`capacity: ${held} nodes up, MemAvailable ${(memAvailableKiB() / 1024 / 1024).toFixed(1)} GiB`);
    }
  } finally {
    for (const name of started) {
      await engine.stop(name);
      engine.removeLabFiles(name);
    }
  }
  return { held, why, seconds: (performance.now() - t0) / 1000 };
}

async function main(): Promise<void> {
  const image = busyboxImage(root);
  const shim = xstateShim(root);
  mkdirSync(join(root, "uml"), { recursive: true });
  log(`raw linux.uml launch -> init, ${RUNS} runs`);
  const raw: number[] = [];
  const ours: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Paired runs, alternating, so drift in the machine's load hits both.
    raw.push(await rawBoot(image, shim, i));
    ours.push(await umlabBoot(i));
  }
  log("lab start -> all prompts, 10 nodes");
  const lab10 = await labStart(10);
  log("lab start -> all prompts, 50 nodes");
  const lab50 = await labStart(50);
  log("real memory per idle node (MemAvailable delta over 10 nodes)");
  const mem = await memoryPerNode(10);
  log("capacity at the default mem=64M");
  const cap = await capacity();
  const memProjection = Math.floor((memAvailableKiB() / 1024 - 1024) / mem.owned);

  const rawMed = median(raw);
  const oursMed = median(ours);
  const rows: [string, string, string][] = [
    ["raw linux.uml launch → init (median of " + RUNS + ")", `${(rawMed / 1000).toFixed(3)} s`, ""],
    ["umlab node start → shell prompt (median of " + RUNS + ")", `${(oursMed / 1000).toFixed(3)} s`, `ratio ${(oursMed / rawMed).toFixed(3)} (goal ≤ 1.10)`],
    ["lab start → all prompts, 10 nodes (default mem=64M)", `${(lab10 / 1000).toFixed(1)} s`, ""],
    ["lab start → all prompts, 50 nodes", `${(lab50 / 1000).toFixed(1)} s`, "goal ≤ 30 s"],
    ["real memory per idle busybox node, mem=64M (memory file + anonymous)", `${mem.owned.toFixed(1)} MiB`, "goal ≤ 40 MB"],
    ["MemAvailable drop per node, same 10 nodes (noisy here, see below)", `${mem.available.toFixed(1)} MiB`, ""],
    [`busybox nodes held at mem=64M (batches of ${CAP_BATCH})`, `${cap.held}`, `${cap.why}; ${cap.seconds.toFixed(0)} s; memory alone would allow ≈ ${memProjection} more`],
  ];
  const machine = `${cpus().length} × ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, host kernel ${readFileSync("/proc/sys/kernel/osrelease", "utf8").trim()}, guest kernel Debian linux.uml ${(await umlVersion()).trim()}`;
  const table = ["| measure | result | note |", "|---|---|---|", ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
  console.log(`\n${machine}\n\n${table}\n`);
  const doc = `# Benchmarks

Written by \`npm run bench\` (scripts/bench.ts) on ${new Date().toISOString().slice(0, 10)}; every number below comes from one run.

Machine: ${machine}.

${table}

How each is measured:
- **raw launch → init**: \`linux.uml\` started directly (the command line of DESIGN.md, same image, same LD_PRELOAD helper), until the kernel prints "Run /init as init process". No umlab code runs.
- **umlab node start → prompt**: \`UmlNode.start()\` (config disk, pty, exec channel, COW) until the node's shell prompt is on its console. The switch is up before the clock starts. This includes everything raw leaves out after init starts: mounts, config overlay, startup script, shell.
- **lab start**: \`Engine.start()\` of N busybox nodes at the default mem=64M, ten per vde switch, until every console shows its prompt.
- **memory**: with 10 idle nodes up (5 s after their prompts), per guest, its memory file's allocated blocks plus the \`Anonymous\` memory of its host processes — \`ps\` RSS over-counts UML guests (DESIGN.md). The drop of MemAvailable is printed too, but on this VM it moves by hundreds of MiB on its own (memory freed by the previous step, page reporting), so it is not the figure to trust. Guest memory files live on tmpfs (/dev/shm): on this machine /tmp is on disk, where they would be written back and counted as reclaimable cache.
- **capacity**: at the default mem=64M. The issue asked for 48M, but at 48M Debian's kernel panics in about 1 boot in 250 when many guests boot at once, so that measure ends at the first such panic (runs here: 200 and 50 nodes) and says more about the panic than about the machine; labs of ${CAP_BATCH} nodes started one after another until a start fails, a node crashes, MemAvailable falls under 1 GiB, or the bench's limit; all are stopped afterwards. Raw per-run values: raw ${raw.map((x) => x.toFixed(0)).join(", ")} ms; umlab ${ours.map((x) => x.toFixed(0)).join(", ")} ms.
`;
  writeFileSync(join(import.meta.dirname, "..", "docs", "BENCHMARKS.md"), doc);
  log("wrote docs/BENCHMARKS.md");
}

function umlVersion(): Promise<string> {
  return new Promise((resolve) => {
    const c = spawn(umlKernel(), ["--version"], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    c.stdout.on("data", (d) => (out += d));
    c.on("close", () => resolve(out));
  });
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(async () => {
    await engine.stopAll();
    rmSync(root, { recursive: true, force: true });
  });
