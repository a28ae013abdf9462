// The engine half of the capture rows of `npm run bench`: frames per second
// through a vde switch between two busybox guests, plain and while the
// switch is captured (copied inside it by umlab's plugin into a ring on
// tmpfs, read by the engine when asked), so the cost of a capture reads as one number;
// beside it the host's CPU a frame, and a control (plain again) that says
// how much two like transfers differ on this host.
import { mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Engine } from "../server/engine/engine";
import { parseLabYaml } from "../server/labfile/labyaml";
import { descendants } from "../server/engine/procs";
import { log, median, waitPrompts } from "./bench-lib";
import type { CaptureTarget } from "../server/engine/capture/types";

type Row = [string, string, string];
/** A round's transfers: plain, the switch captured, that with its rows watched, the sender's link captured, and plain again (the control). */
const KINDS = ["plain", "captured", "watched", "link", "control"] as const;
type Kind = (typeof KINDS)[number];

export interface CaptureWireResults {
  /** Per kind, per round: frames a second crossing the switch (both ways). */
  fps: Record<Kind, number[]>;
  /** Per kind, per round: the host's busy CPU (all processes, the kernel's included, not idle or stolen time) per frame, µs. */
  hostUs: Record<Kind, number[]>;
  /** Per kind, per round: CPU ms the transfer took of the engine (this process) and of the switch (its sandbox's processes). */
  engineMs: Record<Kind, number[]>;
  switchMs: Record<Kind, number[]>;
  /** Frames the switch captures took in their runs. */
  capturedFrames: number;
  /** Round trip of a ping through the switch, ms (median of 20): plain, captured. */
  rttPlain: number;
  rttCaptured: number;
}

/** CPU time a process has taken, ms (utime + stime; the kernel's clock ticks are 10 ms on Debian's kernels). */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
}

/** The host's busy CPU so far, ms: user, nice, system, irq and softirq of /proc/stat (idle, iowait and steal left out). */
function hostBusyMs(): number {
  const [user, nice, system, , , irq, softirq] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq) * 10;
}

const LAB = `
umlab: 1
name: capwire
nodes:
  tx:
    eth: [sw1]
    startup: ip addr add 10.0.5.1/24 dev eth0; ip link set eth0 up
  rx:
    eth: [sw1]
    startup: ip addr add 10.0.5.2/24 dev eth0; ip link set eth0 up
switches:
  sw1: {}
`;

const MB = 40;

export async function captureWireBench(engine: Engine, runs: number): Promise<CaptureWireResults> {
  const lab = parseLabYaml(LAB);
  const perKind = () => Object.fromEntries(KINDS.map((k) => [k, [] as number[]])) as Record<Kind, number[]>;
  const res: CaptureWireResults = { fps: perKind(), hostUs: perKind(), engineMs: perKind(), switchMs: perKind(), capturedFrames: 0, rttPlain: 0, rttCaptured: 0 };
  log(`capture cost: ${MB} MB over HTTP between two guests through a vde switch, ${runs} runs plain and ${runs} captured`);
  try {
    const run = await engine.start(lab);
    await waitPrompts(engine, lab, 120_000);
    const tx = run.node("tx");
    // busybox's own web server and client: a plain TCP stream the guests' kernels pace.
    await run.node("rx").exec(`dd if=/dev/zero of=/root/big bs=64k count=${(MB * 1024) / 64} 2>/dev/null; httpd -p 80 -h /root`, 60);
    const sw = run.switches.get("sw1")!;
    const switchMs = () => [sw.pid!, ...descendants(sw.pid!)].reduce((a, p) => a + cpuMs(p), 0);
    /** One transfer: frames through the switch (data and acks, the sender's interface counters) a second and what they took, noted as `kind`'s. */
    const transfer = async (kind?: Kind): Promise<void> => {
      const frames = async () => {
        const out = (await tx.exec("cat /sys/class/net/eth0/statistics/tx_packets /sys/class/net/eth0/statistics/rx_packets", 10)).stdout;
        return out.trim().split(/\s+/).reduce((a, b) => a + Number(b), 0);
      };
      const before = await frames();
      const [engine0, switch0, host0] = [process.cpuUsage(), switchMs(), hostBusyMs()];
      const t0 = performance.now();
      const got = await tx.exec("wget -q -O /dev/null http://10.0.5.2/big", 120);
      if (got.exitCode !== 0) throw new Error(`wget through the switch failed: ${got.stdout}${got.stderr}`);
      const s = (performance.now() - t0) / 1000;
      const [used, switched, host] = [process.cpuUsage(engine0), switchMs() - switch0, hostBusyMs() - host0];
      const n = (await frames()) - before;
      if (!kind) return;
      res.fps[kind].push(n / s);
      res.hostUs[kind].push((host * 1000) / n);
      res.engineMs[kind].push((used.user + used.system) / 1000);
      res.switchMs[kind].push(switched);
    };
    const rtt = async () => {
      const out = (await tx.exec("ping -c 20 -i 0.05 10.0.5.2", 60)).stdout;
      return Number(/min\/avg\/max = [\d.]+\/([\d.]+)\//.exec(out)?.[1] ?? NaN);
    };
    await transfer();
    res.rttPlain = await rtt();
    /** Each kind's transfer, with its capture made before and removed after it. */
    const captured = async (kind: Kind, target: CaptureTarget, watched: boolean, last: boolean) => {
      // The ring a user gets (16 MiB).
      const c = await run.captures.start({ target });
      if (watched) run.captures.watch(c.id, true);
      await transfer(kind);
      if (kind === "captured") {
        if (last) res.rttCaptured = await rtt();
        res.capturedFrames += run.captures.list().find((x) => x.id === c.id)!.packets;
      }
      await run.captures.remove(c.id);
    };
    const step: Record<Kind, (last: boolean) => Promise<void>> = {
      plain: () => transfer("plain"),
      captured: (last) => captured("captured", { kind: "switch", name: "sw1" }, false, last),
      watched: (last) => captured("watched", { kind: "switch", name: "sw1" }, true, last),
      link: (last) => captured("link", { kind: "link", node: "tx", iface: "eth0" }, false, last),
      control: () => transfer("control"),
    };
    // Interleaved, one of each a round, every other round in the reverse order: the host's own drift (another
    // process, the CPU's clock) falls on all alike, and a kind's place in a round on none. A round's two plain
    // transfers (plain and the control) open and close it, and their mean is what the round's others are weighed
    // against; how far the two differ says how far two transfers with nothing between them differ here.
    for (let i = 0; i < runs; i++) {
      const order = i % 2 === 0 ? KINDS : [...KINDS].reverse();
      for (const kind of order) await step[kind](i === runs - 1);
    }
  } finally {
    await engine.stop(lab.name).catch(() => {});
  }
  return res;
}

export function captureWireRows(r: CaptureWireResults): Row[] {
  // Each round's change against its own two plain transfers, then their median: this host's frame rate moves by a
  // third from one transfer to the next, and a ratio of medians taken across rounds carries that in.
  /** Each round's change of `of` against the mean of the same round's two plain transfers, % (positive: larger); the control's against the plain one. */
  const change = (of: Record<Kind, number[]>, k: Kind) =>
    of[k].map((x, i) => (x / (k === "control" ? of.plain[i] : (of.plain[i] + of.control[i]) / 2) - 1) * 100);
  const summary = (xs: number[]) => `${pct(median(xs))} (rounds: ${xs.map((c) => c.toFixed(0)).join(", ")})`;
  const pct = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)} %`;
  const fpsCost = (k: Kind) => summary(change(r.fps, k).map((c) => -c));
  const cpuCost = (k: Kind) => summary(change(r.hostUs, k));
  const label: Record<Kind, string> = {
    plain: "plain",
    captured: "the switch captured",
    watched: "the switch captured, its packet list watched live (its ring read and rows made every 15 ms)",
    link: "the sender's link captured",
    control: "plain again (the control: nothing differs; against the other plain transfer)",
  };
  const ms = (xs: number[]) => `${median(xs).toFixed(0)} ms`;
  return [
    ...KINDS.map((k): Row => [
      `frames/s through a vde switch, ${MB} MB over HTTP between two busybox guests: ${label[k]}`,
      median(r.fps[k]).toFixed(0),
      k === "plain"
        ? `runs: ${r.fps.plain.map((x) => x.toFixed(0)).join(", ")}`
        : `${fpsCost(k)} fewer a second${k === "captured" ? ` (goal ≤ 10 %); ${r.capturedFrames} frames captured` : ""}`,
    ]),
    ...KINDS.map((k): Row => [
      `host CPU a frame (all processes and the kernel; not idle or stolen time): ${label[k]}`,
      `${median(r.hostUs[k]).toFixed(1)} µs`,
      `${k === "plain" ? "" : `${cpuCost(k)} more; `}engine ${ms(r.engineMs[k])}, switch ${ms(r.switchMs[k])} a transfer`,
    ]),
    ["ping round trip through the switch, plain / captured", `${r.rttPlain.toFixed(2)} / ${r.rttCaptured.toFixed(2)} ms`, "median of 20"],
  ];
}

if (process.argv[1] && realpathSync(process.argv[1]) === import.meta.filename) {
  // As scripts/bench.ts: images from the project's cache, a fresh data root.
  process.env.UMLAB_IMAGES ??= join(import.meta.dirname, "..", ".umlab", "images");
  const root = mkdtempSync(join(tmpdir(), "umlab-bench-capwire-"));
  const engine = new Engine(root);
  captureWireBench(engine, Number(process.env.BENCH_RUNS ?? 3))
    .then((r) => console.log(captureWireRows(r).map((x) => `| ${x.join(" | ")} |`).join("\n")))
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    })
    .finally(() => engine.stopAll().then(() => rmSync(root, { recursive: true, force: true })));
}
