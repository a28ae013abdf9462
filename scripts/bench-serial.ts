// Serial cable throughput: bytes a second through a cable between two busybox
// guests (one.ttyS2 → two.ttyS2, both raw), from the moment the sender starts
// to the moment the receiver has read them all. Run alone:
// `node --import tsx scripts/bench-serial.ts` (BENCH_SERIAL_BYTES, 1 MiB).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Engine } from "../server/engine/engine";
import { resolveLab } from "../server/model/lab";
import { log, median } from "./bench-lib";

type Row = [string, string, string];

export interface SerialResults {
  bytes: number;
  /** Bytes a second, one per run. */
  rates: number[];
}


export async function serialBench(engine: Engine, runs: number, bytes = Number(process.env.BENCH_SERIAL_BYTES ?? 1 << 20)): Promise<SerialResults> {
  log(`serial cable throughput, ${bytes} bytes one way, ${runs} runs`);
  const lab = resolveLab({ name: "bench-serial", nodes: { one: {}, two: {} }, cables: [["one.ttyS2", "two.ttyS2"]] });
  const run = await engine.start(lab);
  const rates: number[] = [];
  try {
    await run.waitRunning(90000);
    for (let i = 0; i < runs; i++) {
      // The receiver is reading before the sender starts; it answers once it has every byte.
      // Raw while it is open: a line's settings go back to the defaults (canonical, no byte read before a newline) when the last opener closes it.
      const received = run.node("two").exec(`(stty raw -echo; head -c ${bytes}) < /dev/ttyS2 | wc -c`, 60);
      await new Promise((r) => setTimeout(r, 500));
      const t0 = performance.now();
      await run.node("one").exec(`(stty raw -echo <&1; head -c ${bytes} /dev/zero) > /dev/ttyS2`, 60);
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
  return { bytes, rates };
}

export function serialRows(r: SerialResults): Row[] {
  const kib = (x: number) => `${(x / 1024).toFixed(0)} KiB/s`;
  return [[`serial cable throughput, one.ttyS2 → two.ttyS2 (median of ${r.rates.length}, ${(r.bytes / 1024).toFixed(0)} KiB each)`, kib(median(r.rates)), `runs ${r.rates.map(kib).join(", ")}; raw lines, busybox head into and out of the tty`]];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.env.UMLAB_KERNELS ??= join(import.meta.dirname, "..", ".umlab", "kernels");
  process.env.UMLAB_IMAGES ??= join(import.meta.dirname, "..", ".umlab", "images");
  const root = mkdtempSync(join(tmpdir(), "umlab-bench-serial-"));
  const engine = new Engine(root);
  try {
    for (const [m, v, n] of serialRows(await serialBench(engine, 3))) console.log(`${m}: ${v} (${n})`);
  } finally {
    await engine.stopAll();
    rmSync(root, { recursive: true, force: true });
  }
}
