import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { BuildError, runSteps, type BuildProgress, type BuildStep } from "../build/steps";
import { HostError, hostProgram } from "../host";
import { kernelsDir } from "../paths";

/** Debian's kernel source package, the one tarball the fast kernel is built from. */
export const SOURCE_PACKAGE = "linux-source-6.1";
const SOURCE_TARBALL = `/usr/src/${SOURCE_PACKAGE}.tar.xz`;
const FRAGMENT = join(import.meta.dirname, "umlab.config");
/** Bump when the way the kernel is built changes (not its configuration: that is hashed). */
const RECIPE_VERSION = 1;

export interface KernelPlan {
  /** fast-<hash of source version, fragment and recipe>: a changed input is a new kernel. */
  id: string;
  sourceVersion: string;
  fragment: string;
  /** Where the finished kernel lives: linux, modules/<release>/, kernel.json. */
  dir: string;
  /** Scratch space for the build, removed afterwards. */
  work: string;
  log: string;
}

let identity: { key: string; sourceVersion: string; id: string } | null = null;

/**
 * The source version and kernel id, asked of dpkg once per installed source
 * tarball: every node start looks the fast kernel up, and a thousand node
 * starts must not mean a thousand dpkg-query runs.
 */
function kernelIdentity(): { sourceVersion: string; id: string } {
  if (!existsSync(SOURCE_TARBALL)) throw new HostError(`the kernel source is not installed: install the Debian package ${SOURCE_PACKAGE} (\`npm start\` does it)`);
  const key = `${statSync(SOURCE_TARBALL).mtimeMs} ${statSync(FRAGMENT).mtimeMs}`;
  if (identity?.key !== key) {
    const sourceVersion = execFileSync(hostProgram("dpkg-query"), ["-W", "-f=${Version}", SOURCE_PACKAGE], { encoding: "utf8" }).trim();
    const fragment = readFileSync(FRAGMENT, "utf8");
    const id = `fast-${createHash("sha256").update(`v${RECIPE_VERSION}\n${SOURCE_PACKAGE} ${sourceVersion}\n${fragment}`).digest("hex").slice(0, 12)}`;
    identity = { key, sourceVersion, id };
  }
  return identity;
}

/** What would be built on this host now; throws a HostError when the source package is missing. */
export function kernelPlan(root: string): KernelPlan {
  const { sourceVersion, id } = kernelIdentity();
  const kernels = kernelsDir(root);
  return { id, sourceVersion, fragment: FRAGMENT, dir: join(kernels, id), work: join(kernels, `.build-${id}`), log: join(kernels, `${id}.log`) };
}

/**
 * The build as data: unpack Debian's source, `defconfig`, merge our fragment,
 * resolve the rest, compile the kernel and its modules, install the modules
 * into a staging folder. Each step runs with its argv as given, never a shell.
 */
export function buildSteps(plan: KernelPlan, jobs = Math.max(1, cpus().length)): BuildStep[] {
  const src = join(plan.work, SOURCE_PACKAGE);
  return [
    { label: "unpacking the kernel source", argv: ["tar", "-xJf", SOURCE_TARBALL], cwd: plan.work },
    { label: "default configuration", argv: ["make", "ARCH=um", "defconfig"], cwd: src },
    { label: "merging umlab's configuration", argv: ["scripts/kconfig/merge_config.sh", "-m", ".config", plan.fragment], cwd: src },
    { label: "resolving the configuration", argv: ["make", "ARCH=um", "olddefconfig"], cwd: src },
    { label: "compiling the kernel and its modules", argv: ["make", "ARCH=um", `-j${jobs}`, "linux", "modules"], cwd: src },
    { label: "installing the modules", argv: ["make", "ARCH=um", "modules_install", "INSTALL_MOD_PATH=../stage", "INSTALL_MOD_STRIP=1", "DEPMOD=/sbin/depmod"], cwd: src },
  ];
}

export type { BuildProgress };

/**
 * Builds the fast kernel into the plan's folder. Nothing changes unless it
 * all succeeds: the kernel appears at once (a rename) or not at all, and a
 * failure says which step failed with the end of its output (the whole log
 * stays beside it).
 */
export async function buildKernel(root: string, onProgress: (p: BuildProgress) => void = () => {}): Promise<void> {
  const plan = kernelPlan(root);
  if (existsSync(join(plan.dir, "kernel.json"))) return;
  for (const tool of ["make", "gcc", "flex", "bison", "bc", "tar", "xz"]) hostProgram(tool);
  const t0 = Date.now();
  rmSync(plan.work, { recursive: true, force: true });
  mkdirSync(plan.work, { recursive: true });
  try {
    await runSteps(buildSteps(plan), {
      log: plan.log,
      env: { ARCH: "um" },
      onProgress,
      after: (step) => {
        if (step.argv.includes("olddefconfig")) checkConfig(join(step.cwd, ".config"));
      },
    });
    const src = join(plan.work, SOURCE_PACKAGE);
    const release = readFileSync(join(src, "include", "config", "kernel.release"), "utf8").trim();
    const stage = join(plan.work, "stage");
    const modules = join(stage, "modules");
    mkdirSync(modules, { recursive: true });
    // modules_install writes lib/modules/<release>; the kernel keeps just <release>/ (no build/source links into the scratch tree).
    renameSync(join(stage, "lib", "modules", release), join(modules, release));
    for (const link of ["build", "source"]) rmSync(join(modules, release, link), { force: true });
    copyFileSync(join(src, "linux"), join(stage, "linux"));
    const kernel = {
      id: plan.id,
      name: "fast",
      binary: join(plan.dir, "linux"),
      release,
      modules: join(plan.dir, "modules"),
      source: `${SOURCE_PACKAGE} ${plan.sourceVersion}`,
      builtAt: new Date().toISOString(),
      seconds: Math.round((Date.now() - t0) / 1000),
    };
    writeFileSync(join(stage, "kernel.json"), `${JSON.stringify(kernel, null, 2)}\n`);
    rmSync(join(stage, "lib"), { recursive: true, force: true });
    rmSync(plan.dir, { recursive: true, force: true });
    renameSync(stage, plan.dir);
  } finally {
    rmSync(plan.work, { recursive: true, force: true });
  }
}

/** The resolved configuration must not have pulled back what makes boot slow. */
function checkConfig(path: string): void {
  const config = readFileSync(path, "utf8");
  const slow = ["RAID6_PQ", "XOR_BLOCKS"].filter((o) => new RegExp(`^CONFIG_${o}=`, "m").test(config));
  if (slow.length) throw new KernelBuildError(`the configuration selects ${slow.map((o) => `CONFIG_${o}`).join(" and ")}, whose boot-time benchmarks cost most of a second: find what selects it (make ARCH=um menuconfig, /${slow[0]}) and leave it out in umlab.config`);
}

export class KernelBuildError extends BuildError {
  constructor(message: string) {
    super(message);
    this.name = "KernelBuildError";
  }
}

/** Built kernels under the data root (the current one and older ones). */
export function builtKernelIds(root: string): string[] {
  const dir = kernelsDir(root);
  return existsSync(dir) ? readdirSync(dir).filter((d) => d.startsWith("fast-") && existsSync(join(dir, d, "kernel.json"))) : [];
}
