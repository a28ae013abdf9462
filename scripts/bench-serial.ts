// Serial cable throughput: bytes a second through a cable between two busybox
// guests (one.ttyS2 → two.ttyS2, both raw), from the moment the sender starts
// to the moment the receiver has read them all. Run alone:
// `node --import tsx scripts/bench-serial.ts` (BENCH_SERIAL_BYTES, 1 MiB): a
// row for umlab's fast kernel and one for Debian's linux.uml, whose serial
// lines stop reading once a reader falls behind (kernel/patches/um-line-throttle.patch),
// so its row says where the transfer stalled.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Engine } from "../server/engine/engine";
import { resolveLab } from "../server/model/lab";
import { log, median } from "./bench-lib";

type Row = [string, string, string];

export interface SerialResults {
  kernel: string;
  bytes: number;
  /** Bytes a second, one per run that completed. */
  rates: number[];
  /** A run that did not complete: how many bytes had arrived when the sender gave up. */
  stalledAt: number | null;
}

/** How long the sender may take before the transfer counts as stalled (1 MiB takes under 15 s). */
const SEND_TIMEOUT_S = 45;

export async function serialBench(engine: Engine, runs: number, bytes = Number(process.env.BENCH_SERIAL_BYTES ?? 1 << 20), kernel: "fast" | "debian" = "fast"): Promise<SerialResults> {
  log(`serial cable throughput (${kernel} kernel), ${bytes} bytes one way, ${runs} runs`);
  const lab = resolveLab({ name: `bench-serial-${kernel}`, kernel, nodes: { one: {}, two: {} }, cables: [["one.ttyS2", "two.ttyS2"]] });
  const run = await engine.start(lab);
  const rates: number[] = [];
  let stalledAt: number | null = null;
  try {
    await run.waitRunning(90000);
    for (let i = 0; i < runs && stalledAt === null; i++) {
      // The receiver is reading before the sender starts; it answers once it has every byte.
      // Raw while it is open: a line's settings go back to the defaults (canonical, no byte read before a newline) when the last opener closes it.
      const received = run.node("two").exec(`rm -f /tmp/in; (stty raw -echo; head -c ${bytes} > /tmp/in) < /dev/ttyS2; wc -c < /tmp/in`, SEND_TIMEOUT_S + 30);
      // A stalled transfer never answers: its timeout is not the bench's end (the stall is read below).
      received.catch(() => {});
      await new Promise((r) => setTimeout(r, 500));
      const t0 = performance.now();
      const sent = await run
        .node("one")
        .exec(`(stty raw -echo <&1; head -c ${bytes} /dev/zero) > /dev/ttyS2 && echo sent`, SEND_TIMEOUT_S)
        .catch(() => null);
      if (sent?.stdout.trim() !== "sent") {
        // The far guest stopped reading: the sender is held for good (flow control), and so is the receiver.
        stalledAt = Number((await run.node("two").exec("wc -c < /tmp/in", 20)).stdout.trim());
        log(`  run ${i + 1}: stalled after ${(stalledAt / 1024).toFixed(0)} KiB`);
        break;
      }
      const got = Number((await received).stdout.trim());
      const s = (performance.now() - t0) / 1000;
      if (got !== bytes) throw new Error(`two read ${got} bytes of ${bytes} in ${s.toFixed(1)} s: ${(await received).stderr}`);
      rates.push(bytes / s);
      log(`  run ${i + 1}: ${(bytes / s / 1024).toFixed(0)} KiB/s`);
    }
  } finally {
    await engine.stop(lab.name);
    engine.removeLabFiles(lab.name);
  }
  return { kernel, bytes, rates, stalledAt };
}

export function serialRows(r: SerialResults): Row[] {
  const kib = (x: number) => `${(x / 1024).toFixed(0)} KiB/s`;
  const what = `serial cable throughput, ${r.kernel} kernel, one.ttyS2 → two.ttyS2 (${(r.bytes / 1024).toFixed(0)} KiB each)`;
  if (r.stalledAt !== null)
    return [[what, "stalled", `after ${(r.stalledAt / 1024).toFixed(0)} KiB of ${(r.bytes / 1024).toFixed(0)}; ${r.rates.length} runs completed before${r.kernel === "debian" ? "; Debian's linux.uml lacks umlab's fix to UML's line throttling" : ""}`]];
  return [[`${what}, median of ${r.rates.length}`, kib(median(r.rates)), `runs ${r.rates.map(kib).join(", ")}; raw lines, busybox head into and out of the tty`]];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.env.UMLAB_KERNELS ??= join(import.meta.dirname, "..", ".umlab", "kernels");
  process.env.UMLAB_IMAGES ??= join(import.meta.dirname, "..", ".umlab", "images");
  const root = mkdtempSync(join(tmpdir(), "umlab-bench-serial-"));
  const engine = new Engine(root);
  try {
    for (const kernel of ["fast", "debian"] as const) for (const [m, v, n] of serialRows(await serialBench(engine, 3, undefined, kernel))) console.log(`${m}: ${v} (${n})`);
  } finally {
    await engine.stopAll();
    rmSync(root, { recursive: true, force: true });
  }
}
