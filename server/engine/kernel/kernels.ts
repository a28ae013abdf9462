import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { umlKernel } from "../host";
import { kernelPlan } from "./build";

/** Which kernel a node boots: umlab's own trimmed one, or Debian's package. */
export type KernelChoice = "fast" | "debian";

export interface Kernel {
  name: KernelChoice;
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

export interface BuiltKernel extends Kernel {
  id: string;
  /** The Debian linux-source package version it was built from. */
  source: string;
  builtAt: string;
  seconds: number;
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

/**
 * The kernel for a node: its own choice, else the fast one once built, else
 * Debian's. Asking for the fast kernel before it is built is an error that
 * says how to build it.
 */
export function resolveKernel(root: string, choice: KernelChoice | null): Kernel {
  // UMLAB_KERNEL (tests, benchmarks, a kernel of one's own) wins over any choice.
  if (choice === "debian" || process.env.UMLAB_KERNEL) return debianKernel();
  const fast = fastKernel(root);
  if (fast) return fast;
  if (choice === "fast") throw new KernelError("the fast kernel is not built yet: build it with `umlab kernel build` (or choose the debian kernel)");
  return debianKernel();
}
