// The engine half of the capture rows of `npm run bench`: frames per second
// through a vde switch between two busybox guests, plain and while the
// switch is captured (handed over from inside it by umlab's plugin, read by
// the engine from a FIFO), so the cost of a capture reads as one number.
import { mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Engine } from "../server/engine/engine";
import { parseLabYaml } from "../server/labfile/labyaml";
import { descendants } from "../server/engine/procs";
import { log, median, waitPrompts } from "./bench-lib";

type Row = [string, string, string];
type Kind = "plain" | "captured" | "watched" | "link";

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

export interface CaptureWireResults {
  /** Frames per second crossing the switch (both ways), per run. */
  plain: number[];
  captured: number[];
  /** Captured, its rows made as for a viewer of the live list. */
  watched: number[];
  /** The same with one link captured (the sender's port, by the same plugin). */
  link: number[];
  /** CPU ms each transfer took of the engine (this process) and of the switch (its sandbox's processes), by kind. */
  cpu: Record<Kind, { engine: number[]; switch: number[] }>;
  /** Frames the switch captures took in their runs. */
  capturedFrames: number;
  /** Round trip of a ping through the switch, ms (median of 20): plain, captured. */
  rttPlain: number;
  rttCaptured: number;
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
  const cpu = () => ({ engine: [], switch: [] });
  const res: CaptureWireResults = { plain: [], captured: [], watched: [], link: [], cpu: { plain: cpu(), captured: cpu(), watched: cpu(), link: cpu() }, capturedFrames: 0, rttPlain: 0, rttCaptured: 0 };
  log(`capture cost: ${MB} MB over HTTP between two guests through a vde switch, ${runs} runs plain and ${runs} captured`);
  try {
    const run = await engine.start(lab);
    await waitPrompts(engine, lab, 120_000);
    const tx = run.node("tx");
    // busybox's own web server and client: a plain TCP stream the guests' kernels pace.
    await run.node("rx").exec(`dd if=/dev/zero of=/root/big bs=64k count=${(MB * 1024) / 64} 2>/dev/null; httpd -p 80 -h /root`, 60);
    const sw = run.switches.get("sw1")!;
    const switchMs = () => [sw.pid!, ...descendants(sw.pid!)].reduce((a, p) => a + cpuMs(p), 0);
    /** One transfer: frames per second through the switch (data and acks), from the sender's interface counters; its CPU noted as `kind`'s. */
    const transfer = async (kind?: Kind): Promise<number> => {
      const frames = async () => {
        const out = (await tx.exec("cat /sys/class/net/eth0/statistics/tx_packets /sys/class/net/eth0/statistics/rx_packets", 10)).stdout;
        return out.trim().split(/\s+/).reduce((a, b) => a + Number(b), 0);
      };
      const before = await frames();
      const [engine0, switch0] = [process.cpuUsage(), switchMs()];
      const t0 = performance.now();
      const got = await tx.exec("wget -q -O /dev/null http://10.0.5.2/big", 120);
      if (got.exitCode !== 0) throw new Error(`wget through the switch failed: ${got.stdout}${got.stderr}`);
      const s = (performance.now() - t0) / 1000;
      if (kind) {
        const used = process.cpuUsage(engine0);
        res.cpu[kind].engine.push((used.user + used.system) / 1000);
        res.cpu[kind].switch.push(switchMs() - switch0);
      }
      return ((await frames()) - before) / s;
    };
    const rtt = async () => {
      const out = (await tx.exec("ping -c 20 -i 0.05 10.0.5.2", 60)).stdout;
      return Number(/min\/avg\/max = [\d.]+\/([\d.]+)\//.exec(out)?.[1] ?? NaN);
    };
    await transfer();
    res.rttPlain = await rtt();
    // Interleaved, one of each a round: the host's own drift (another process, the CPU's clock) falls on all alike.
    for (let i = 0; i < runs; i++) {
      res.plain.push(await transfer("plain"));
      // The ring a user gets (16 MiB): on this VM a page the engine touches for the first time costs a fault of about
      // 30 µs, so a larger ring costs more until it has gone round once (64 MiB: 38-42 % here, against 27 %).
      const c = await run.captures.start({ target: { kind: "switch", name: "sw1" } });
      res.captured.push(await transfer("captured"));
      if (i === runs - 1) res.rttCaptured = await rtt();
      res.capturedFrames += run.captures.list().find((x) => x.id === c.id)!.packets;
      await run.captures.remove(c.id);
      const w = await run.captures.start({ target: { kind: "switch", name: "sw1" } });
      run.captures.watch(w.id, true);
      res.watched.push(await transfer("watched"));
      await run.captures.remove(w.id);
      const l = await run.captures.start({ target: { kind: "link", node: "tx", iface: "eth0" } });
      res.link.push(await transfer("link"));
      await run.captures.remove(l.id);
    }
  } finally {
    await engine.stop(lab.name).catch(() => {});
  }
  return res;
}

export function captureWireRows(r: CaptureWireResults): Row[] {
  // Each round's cost against its own plain transfer, then their median: this host's frame rate moves by a third
  // from one transfer to the next, and a ratio of medians taken across rounds carries that in.
  const paired = (xs: number[]) => xs.map((x, i) => (1 - x / r.plain[i]) * 100);
  const cost = (xs: number[]) => `cost ${median(paired(xs)).toFixed(1)} %, the median of the rounds' (${paired(xs).map((c) => c.toFixed(1)).join(", ")} %)`;
  const runs = (xs: number[]) => `runs: ${xs.map((x) => x.toFixed(0)).join(", ")}`;
  return [
    [`frames/s through a vde switch, ${MB} MB over HTTP between two busybox guests (plain)`, median(r.plain).toFixed(0), runs(r.plain)],
    ["frames/s through the same switch while it is captured", median(r.captured).toFixed(0), `${cost(r.captured)} (goal ≤ 10 %); ${runs(r.captured)}; ${r.capturedFrames} frames captured`],
    ["the same while the capture's packet list is watched live (its rows made, frames handed over every 2 ms)", median(r.watched).toFixed(0), `${cost(r.watched)}; ${runs(r.watched)}`],
    ["frames/s through the same switch while the sender's link is captured", median(r.link).toFixed(0), `${cost(r.link)}; ${runs(r.link)}`],
    [
      "CPU a transfer took: the engine / the switch, median",
      (["plain", "captured", "watched", "link"] as const).map((k) => `${median(r.cpu[k].engine).toFixed(0)} / ${median(r.cpu[k].switch).toFixed(0)} ms`).join("; "),
      "plain; switch captured; watched live; link captured. The engine's includes the bench's own exec calls, as plain's shows",
    ],
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
