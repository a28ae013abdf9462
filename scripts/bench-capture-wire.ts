// The engine half of the capture rows of `npm run bench`: frames per second
// through a vde switch between two busybox guests, plain and while the
// switch is captured (handed over from inside it by umlab's plugin, read by
// the engine from a FIFO), so the cost of a capture reads as one number.
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Engine } from "../server/engine/engine";
import { parseLabYaml } from "../server/labfile/labyaml";
import { log, median, waitPrompts } from "./bench-lib";

type Row = [string, string, string];

export interface CaptureWireResults {
  /** Frames per second crossing the switch (both ways), per run. */
  plain: number[];
  captured: number[];
  /** The same with one link captured (the sender's port, by the same plugin). */
  link: number[];
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
  const res: CaptureWireResults = { plain: [], captured: [], link: [], capturedFrames: 0, rttPlain: 0, rttCaptured: 0 };
  log(`capture cost: ${MB} MB over HTTP between two guests through a vde switch, ${runs} runs plain and ${runs} captured`);
  try {
    const run = await engine.start(lab);
    await waitPrompts(engine, lab, 120_000);
    const tx = run.node("tx");
    // busybox's own web server and client: a plain TCP stream the guests' kernels pace.
    await run.node("rx").exec(`dd if=/dev/zero of=/root/big bs=64k count=${(MB * 1024) / 64} 2>/dev/null; httpd -p 80 -h /root`, 60);
    /** One transfer: frames per second through the switch (data and acks), from the sender's interface counters. */
    const transfer = async (): Promise<number> => {
      const frames = async () => {
        const out = (await tx.exec("cat /sys/class/net/eth0/statistics/tx_packets /sys/class/net/eth0/statistics/rx_packets", 10)).stdout;
        return out.trim().split(/\s+/).reduce((a, b) => a + Number(b), 0);
      };
      const before = await frames();
      const t0 = performance.now();
      const got = await tx.exec("wget -q -O /dev/null http://10.0.5.2/big", 120);
      if (got.exitCode !== 0) throw new Error(`wget through the switch failed: ${got.stdout}${got.stderr}`);
      const s = (performance.now() - t0) / 1000;
      return ((await frames()) - before) / s;
    };
    const rtt = async () => {
      const out = (await tx.exec("ping -c 20 -i 0.05 10.0.5.2", 60)).stdout;
      return Number(/min\/avg\/max = [\d.]+\/([\d.]+)\//.exec(out)?.[1] ?? NaN);
    };
    await transfer();
    res.rttPlain = await rtt();
    // Interleaved, one of each a round: the host's own drift (another process, the CPU's clock) falls on all three alike.
    for (let i = 0; i < runs; i++) {
      res.plain.push(await transfer());
      // The ring a user gets (16 MiB): on this VM a page the engine touches for the first time costs a fault of about
      // 30 µs, so a larger ring costs more until it has gone round once (64 MiB: 38-42 % here, against 27 %).
      const c = await run.captures.start({ target: { kind: "switch", name: "sw1" } });
      res.captured.push(await transfer());
      if (i === runs - 1) res.rttCaptured = await rtt();
      res.capturedFrames += run.captures.list().find((x) => x.id === c.id)!.packets;
      await run.captures.remove(c.id);
      const l = await run.captures.start({ target: { kind: "link", node: "tx", iface: "eth0" } });
      res.link.push(await transfer());
      await run.captures.remove(l.id);
    }
  } finally {
    await engine.stop(lab.name).catch(() => {});
  }
  return res;
}

export function captureWireRows(r: CaptureWireResults): Row[] {
  const plain = median(r.plain);
  const captured = median(r.captured);
  const cost = plain > 0 ? ((plain - captured) / plain) * 100 : NaN;
  const link = median(r.link);
  const linkCost = plain > 0 ? ((plain - link) / plain) * 100 : NaN;
  return [
    [`frames/s through a vde switch, ${MB} MB over HTTP between two busybox guests (plain)`, plain.toFixed(0), `runs: ${r.plain.map((x) => x.toFixed(0)).join(", ")}`],
    ["frames/s through the same switch while it is captured", captured.toFixed(0), `cost ${cost.toFixed(1)} % (goal ≤ 10 %); runs: ${r.captured.map((x) => x.toFixed(0)).join(", ")}; ${r.capturedFrames} frames captured`],
    ["frames/s through the same switch while the sender's link is captured", link.toFixed(0), `cost ${linkCost.toFixed(1)} %; runs: ${r.link.map((x) => x.toFixed(0)).join(", ")}`],
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
