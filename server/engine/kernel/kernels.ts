import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { KernelChoice } from "../../model/lab";
import { umlKernel } from "../host";
import { kernelsDir } from "../paths";
import { kernelPlan, type KernelMeta } from "./build";
import { modulesDiskFile } from "./modules-disk";

/** Which kernel a node boots: umlab's own trimmed one, Debian's package, or a custom kernel by name. */
export type { KernelChoice };

export interface Kernel {
  /** fast, debian, or a custom kernel's name. */
  name: string;
  binary: string;
  /** `uname -r` in the guest; its modules are under `<modules>/<release>`. */
  release: string;
  /** The folder holding `<release>/` of loadable modules, or null when there are none. */
  modules: string | null;
}

export class KernelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KernelError";
  }
}

const DEBIAN_MODULES = "/usr/lib/uml/modules";

/** Debian's linux.uml (package user-mode-linux), with the modules it ships. UMLAB_KERNEL points elsewhere. */
export function debianKernel(): Kernel {
  const custom = process.env.UMLAB_KERNEL;
  const binary = umlKernel();
  const releases = existsSync(DEBIAN_MODULES) ? readdirSync(DEBIAN_MODULES) : [];
  return { name: "debian", binary, release: releases[0] ?? "unknown", modules: !custom && releases.length === 1 ? DEBIAN_MODULES : null };
}

/** A kernel umlab built (kernel.json): the fast one, or a custom one with its fragment and warnings. */
export interface BuiltKernel extends Kernel, Omit<KernelMeta, "modules"> {
  /** The Debian linux-source package version it was built from. */
  source: string;
}

/** umlab's kernel as built for the current source and configuration, if it is. */
export function fastKernel(root: string): BuiltKernel | null {
  let plan;
  try {
    plan = kernelPlan(root);
  } catch {
    return null; // no kernel source on this host: nothing can have been built for it
  }
  const meta = join(plan.dir, "kernel.json");
  if (!existsSync(meta)) return null;
  return JSON.parse(readFileSync(meta, "utf8")) as BuiltKernel;
}

/** Every build of every custom kernel, newest first. */
export function customKernels(root: string): BuiltKernel[] {
  const dir = kernelsDir(root);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => d.startsWith("custom-") && existsSync(join(dir, d, "kernel.json")))
    .flatMap((d) => {
      try {
        return [JSON.parse(readFileSync(join(dir, d, "kernel.json"), "utf8")) as BuiltKernel];
      } catch {
        return []; // half-written by hand: not a kernel
      }
    })
    .sort((a, b) => b.builtAt.localeCompare(a.builtAt));
}

/** The newest build of a custom kernel, if there is one. */
export function customKernel(root: string, name: string): BuiltKernel | null {
  return customKernels(root).find((k) => k.name === name) ?? null;
}

/**
 * Removes the builds of a custom kernel (all of them, or all but `keep`):
 * folder, modules disk, and the build logs (of failed builds too). Returns
 * how many builds there were.
 */
export function removeCustomKernel(root: string, name: string, keep: string | null = null): number {
  const dir = kernelsDir(root);
  const builds = customKernels(root).filter((k) => k.name === name && k.id !== keep);
  for (const k of builds) {
    const disk = modulesDiskFile(root, k);
    if (disk) rmSync(disk, { force: true });
    rmSync(join(dir, k.id), { recursive: true, force: true });
  }
  // custom-<name>-<12 hex>.log: the hash keeps "a" from matching "a-b"'s logs.
  const log = new RegExp(`^custom-${name}-[0-9a-f]{12}\\.log$`);
  for (const f of existsSync(dir) ? readdirSync(dir) : []) if (log.test(f) && f !== `${keep}.log`) rmSync(join(dir, f), { force: true });
  return builds.length;
}

/**
 * The kernel for a node: its own choice, else the fast one once built, else
 * Debian's. A custom kernel is the newest build of that name. Asking for a
 * kernel that is not built is an error that says how to build it.
 */
export function resolveKernel(root: string, choice: KernelChoice | null): Kernel {
  // UMLAB_KERNEL (tests, benchmarks, a kernel of one's own) wins over any choice.
  if (choice === "debian" || process.env.UMLAB_KERNEL) return debianKernel();
  if (choice && choice !== "fast") {
    const custom = customKernel(root, choice);
    if (!custom) throw new KernelError(`kernel "${choice}" is not built: \`umlab kernel build ${choice} --fragment FILE\``);
    return custom;
  }
  const fast = fastKernel(root);
  if (fast) return fast;
  if (choice === "fast") throw new KernelError("the fast kernel is not built yet: build it with `umlab kernel build` (or choose the debian kernel)");
  return debianKernel();
}
