// The routers' part of `npm run bench`: the router image's build (cold, into
// an empty folder, and cached) and size; the bundled ospf-ring lab from Start
// until every node has a route to all four virtual IPs; and how long node01's
// route to node03's virtual IP takes to move when node04's eth0 link is
// pulled and when node04 crashes.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Engine } from "../server/engine/engine";
import { buildDebianImage } from "../server/engine/image/debian";
import { debianRecipe } from "../server/engine/image/recipes";
import { imageBytes } from "../server/engine/image/size";
import type { LabRun } from "../server/engine/lab-run";
import { parseLabYaml } from "../server/labfile/labyaml";
import { until } from "../server/test-support";
import { log, median } from "./bench-lib";

export interface RouterResults {
  buildColdS: number;
  buildCachedMs: number;
  imageMiB: number;
  convergeS: number[];
  rerouteLinkS: number[];
  rerouteCrashS: number[];
}

const RING = join(import.meta.dirname, "..", "server", "samples", "ospf-ring.yaml");
const VIAS = /via (10\.0\.\d+\.\d+)/;

/** node01's next hop to node03's virtual IP, or null while it has none. */
async function nextHop(run: LabRun): Promise<string | null> {
  const r = await run.node("node01").exec("ip -4 route show 10.10.10.3", 5);
  return VIAS.exec(r.stdout)?.[1] ?? null;
}

/** Milliseconds until `test` holds, polling as fast as the exec channel answers. */
const msUntil = async (what: string, timeoutMs: number, test: () => Promise<boolean>): Promise<number> => (await until(what, timeoutMs, test, 20)).ms;

async function allRoutes(run: LabRun): Promise<boolean> {
  for (const n of ["node01", "node02", "node03", "node04"]) {
    const r = await run.node(n).exec("ip -4 route show proto ospf", 5);
    if (new Set(r.stdout.match(/10\.10\.10\.[1-4]\b/g)).size < 3) return false;
  }
  return true;
}

export async function routerBench(engine: Engine, runs = 3): Promise<RouterResults> {
  log("router image: cold build into an empty folder, then the cached lookup");
  const images = mkdtempSync(join(tmpdir(), "umlab-bench-images-"));
  const saved = process.env.UMLAB_IMAGES;
  process.env.UMLAB_IMAGES = images;
  let buildColdS: number, buildCachedMs: number, imageMiB: number;
  try {
    const recipe = debianRecipe("router")!;
    let t0 = performance.now();
    const plan = await buildDebianImage(engine.root, recipe);
    buildColdS = (performance.now() - t0) / 1000;
    imageMiB = imageBytes(plan.file) / 2 ** 20;
    t0 = performance.now();
    await buildDebianImage(engine.root, recipe);
    buildCachedMs = performance.now() - t0;
  } finally {
    if (saved === undefined) delete process.env.UMLAB_IMAGES;
    else process.env.UMLAB_IMAGES = saved;
    rmSync(images, { recursive: true, force: true });
  }

  const lab = parseLabYaml(readFileSync(RING, "utf8"));
  const result: RouterResults = { buildColdS, buildCachedMs, imageMiB, convergeS: [], rerouteLinkS: [], rerouteCrashS: [] };
  for (let i = 0; i < runs; i++) {
    log(`ospf-ring run ${i + 1} of ${runs}: start → all routes, pulled link, crashed node`);
    const t0 = performance.now();
    const run = await engine.start(lab);
    try {
      await msUntil("all routes", 120000, () => allRoutes(run));
      result.convergeS.push((performance.now() - t0) / 1000);
      // The way to node03 goes through node04 (10.0.4.4) until node04's eth0 is pulled.
      await msUntil("route through node04", 30000, async () => (await nextHop(run)) === "10.0.4.4");
      await run.links.pull(run.lab, "node04", 0);
      result.rerouteLinkS.push((await msUntil("reroute after the pull", 30000, async () => (await nextHop(run)) === "10.0.1.2")) / 1000);
      await run.links.plug(run.lab, "node04", 0);
      await msUntil("route through node04 again", 60000, async () => (await nextHop(run)) === "10.0.4.4");
      await run.node("node04").crash();
      result.rerouteCrashS.push((await msUntil("reroute after the crash", 60000, async () => (await nextHop(run)) === "10.0.1.2")) / 1000);
    } finally {
      await engine.stop(lab.name);
      engine.removeLabFiles(lab.name);
    }
  }
  return result;
}

export function routerRows(r: RouterResults): [string, string, string][] {
  const met = (ok: boolean) => (ok ? "met" : "**not met**");
  const s = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(", ");
  return [
    ["router image build (mmdebstrap from the Debian mirror, cold) / cached", `${r.buildColdS.toFixed(0)} s / ${r.buildCachedMs.toFixed(0)} ms`, `size on disk ${r.imageMiB.toFixed(0)} MiB (sparse 1 GiB file system)`],
    [`ospf-ring Start → every node has routes to all four virtual IPs (median of ${r.convergeS.length})`, `${median(r.convergeS).toFixed(1)} s`, `runs ${s(r.convergeS)} s; goal ≤ 20 s: ${met(median(r.convergeS) <= 20)}`],
    [`reroute after node04's eth0 link is pulled (median of ${r.rerouteLinkS.length})`, `${median(r.rerouteLinkS).toFixed(2)} s`, `runs ${s(r.rerouteLinkS)} s; goal ≤ 3 s: ${met(median(r.rerouteLinkS) <= 3)}`],
    [`reroute after node04 crashes (SIGKILL; median of ${r.rerouteCrashS.length})`, `${median(r.rerouteCrashS).toFixed(2)} s`, `runs ${s(r.rerouteCrashS)} s`],
  ];
}
