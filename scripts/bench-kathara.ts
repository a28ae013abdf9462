// The Kathará part of `npm run bench`: the kathara image's cold build and
// size, a node's start → prompt on it, and a Kathará-style data-center lab of
// 20 FRR routers (4 spines, 16 leaves, eBGP unnumbered) from Start until
// every BGP session is established.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Engine } from "../server/engine/engine";
import { buildDebianImage } from "../server/engine/image/debian";
import { debianRecipe } from "../server/engine/image/recipes";
import { imageBytes } from "../server/engine/image/size";
import type { LabRun } from "../server/engine/lab-run";
import { parseKathara } from "../server/labfile/kathara";
import { resolveLab, type Lab } from "../server/model/lab";
import { until } from "../server/test-support";
import { log, median, waitPrompts } from "./bench-lib";

type Row = [string, string, string];

export interface KatharaResults {
  buildColdS: number;
  imageMiB: number;
  /** One node on the kathara image, start → shell prompt (ms). */
  startMs: number[];
  spines: number;
  leaves: number;
  /** Start until all 2 × spines × leaves BGP sessions were established (s). */
  fabricS: number;
}

const enc = new TextEncoder();

/**
 * A leaf-spine fabric as a Kathará lab folder: every leaf wired to every
 * spine, one collision domain per link, eBGP unnumbered on each link (each
 * leaf its own AS, the spines one), a /24 per leaf announced. The way
 * Kathará's data-center labs are written.
 */
export function fabricFolder(spines: number, leaves: number): Record<string, Uint8Array> {
  const files: Record<string, string> = {};
  const conf: string[] = ['LAB_DESCRIPTION="leaf-spine fabric, eBGP unnumbered"'];
  const peers = new Map<string, string[]>();
  const port = new Map<string, number>();
  const plug = (dev: string, domain: string) => {
    const i = port.get(dev) ?? 0;
    port.set(dev, i + 1);
    conf.push(`${dev}[${i}]="${domain}"`);
    peers.set(dev, [...(peers.get(dev) ?? []), `eth${i}`]);
  };
  for (let l = 1; l <= leaves; l++) for (let s = 1; s <= spines; s++) {
    plug(`leaf${l}`, `s${s}l${l}`);
    plug(`spine${s}`, `s${s}l${l}`);
  }
  const node = (dev: string, asn: number, id: string, network: string | null) => {
    conf.push(`${dev}[image]="kathara/frr"`);
    const ifaces = peers.get(dev)!;
    files[`${dev}/etc/frr/daemons`] = "bgpd=yes\n";
    files[`${dev}/etc/frr/frr.conf`] = [
      `hostname ${dev}`,
      ...ifaces.flatMap((i) => [`interface ${i}`, " ipv6 nd ra-interval 3", " no ipv6 nd suppress-ra"]),
      `router bgp ${asn}`,
      ` bgp router-id ${id}`,
      " no bgp ebgp-requires-policy",
      " bgp bestpath as-path multipath-relax",
      " timers bgp 3 9",
      ...ifaces.map((i) => ` neighbor ${i} interface remote-as external`),
      " address-family ipv4 unicast",
      ...(network ? [`  network ${network}`] : []),
      " exit-address-family",
      "",
    ].join("\n");
    const startup = network ? [`ip link add lan type dummy`, `ip address add ${network.replace(/0\/24$/, "1/24")} dev lan`, "ip link set lan up"] : [];
    files[`${dev}.startup`] = [...startup, "systemctl start frr", ""].join("\n");
  };
  for (let s = 1; s <= spines; s++) node(`spine${s}`, 65000, `10.255.0.${s}`, null);
  for (let l = 1; l <= leaves; l++) node(`leaf${l}`, 65100 + l, `10.255.1.${l}`, `10.${l}.0.0/24`);
  files["lab.conf"] = `${conf.join("\n")}\n`;
  return Object.fromEntries(Object.entries(files).map(([p, t]) => [p, enc.encode(t)]));
}

/** Established BGP sessions on a node (FRR's JSON summary). */
async function established(run: LabRun, node: string): Promise<number> {
  const r = await run.node(node).exec("vtysh -c 'show bgp ipv4 unicast summary json'", 10);
  try {
    const peers = (JSON.parse(r.stdout) as { peers?: Record<string, { state?: string }> }).peers ?? {};
    return Object.values(peers).filter((p) => p.state === "Established").length;
  } catch {
    return 0;
  }
}

export async function katharaBench(engine: Engine, runs: number, spines = 4, leaves = 16): Promise<KatharaResults> {
  log("kathara image: cold build into an empty folder");
  const images = mkdtempSync(join(tmpdir(), "umlab-bench-images-"));
  const saved = process.env.UMLAB_IMAGES;
  process.env.UMLAB_IMAGES = images;
  let buildColdS: number, imageMiB: number;
  try {
    const t0 = performance.now();
    const plan = await buildDebianImage(engine.root, debianRecipe("kathara")!);
    buildColdS = (performance.now() - t0) / 1000;
    imageMiB = imageBytes(plan.file) / 2 ** 20;
  } finally {
    if (saved === undefined) delete process.env.UMLAB_IMAGES;
    else process.env.UMLAB_IMAGES = saved;
    rmSync(images, { recursive: true, force: true });
  }

  log(`one node on the kathara image, start → prompt, ${runs} runs`);
  const startMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const lab: Lab = resolveLab({ name: `kstart${i}`, nodes: { pc1: { image: "kathara", mem: "128M" } } });
    const t0 = performance.now();
    await engine.start(lab);
    await waitPrompts(engine, lab, 120_000);
    startMs.push(performance.now() - t0);
    await engine.stop(lab.name);
    engine.removeLabFiles(lab.name);
  }

  log(`a ${spines + leaves}-router leaf-spine lab (Kathará folder, eBGP unnumbered): Start → every session established`);
  const lab = resolveLab(parseKathara(fabricFolder(spines, leaves), { name: "fabric" }).raw);
  const sessions = 2 * spines * leaves;
  const t0 = performance.now();
  const run = await engine.start(lab);
  let fabricS: number;
  try {
    await until(`all ${sessions} BGP sessions established`, 600_000, async () => {
      let n = 0;
      for (const node of lab.nodes) n += await established(run, node.name);
      return n === sessions;
    }, 500);
    fabricS = (performance.now() - t0) / 1000;
  } finally {
    await engine.stop(lab.name);
    engine.removeLabFiles(lab.name);
  }
  return { buildColdS, imageMiB, startMs, spines, leaves, fabricS };
}

export function katharaRows(k: KatharaResults): Row[] {
  return [
    ["kathara image (like kathara/base): cold build, size", `${k.buildColdS.toFixed(0)} s, ${k.imageMiB.toFixed(0)} MiB`, "mmdebstrap from the Debian mirror into an empty folder; size is the sparse file's blocks"],
    [`node on the kathara image, start → shell prompt (median of ${k.startMs.length}, mem=128M)`, `${(median(k.startMs) / 1000).toFixed(2)} s`, `runs ${k.startMs.map((x) => (x / 1000).toFixed(2)).join(", ")} s`],
    [
      `Kathará-style data center: ${k.spines + k.leaves} FRR routers (${k.spines} spines, ${k.leaves} leaves, eBGP unnumbered), Start → all ${2 * k.spines * k.leaves} BGP sessions established`,
      `${k.fabricS.toFixed(1)} s`,
      "a lab.conf folder imported as is; sessions counted from `show bgp summary json` on every router",
    ],
  ];
}
