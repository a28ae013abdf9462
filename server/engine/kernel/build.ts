import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { basename, join } from "node:path";
import { customKernelNameProblem } from "../../model/kernel";
import { BuildError, runSteps, type BuildProgress, type BuildStep } from "../build/steps";
import { HostError, hostProgram } from "../host";
import { kernelsDir } from "../paths";
import { parseFragment, unmetOptions, type FragmentOptions } from "./fragment";

/** Debian's kernel source package, the one tarball the fast kernel is built from. */
export const SOURCE_PACKAGE = "linux-source-6.1";
const SOURCE_TARBALL = `/usr/src/${SOURCE_PACKAGE}.tar.xz`;
const FRAGMENT = join(import.meta.dirname, "umlab.config");
/**
 * Fixes to UML's own drivers, applied (patch -p1, in this order) to every kernel umlab builds. Debian's
 * linux.uml has none of them: um-line-throttle.patch is why a bulk transfer over a serial cable stalls there,
 * um-line-read-irqsave.patch why one that goes on arrives in order (it applies over the first).
 */
export const PATCHES = ["um-line-throttle.patch", "um-line-read-irqsave.patch"].map((p) => join(import.meta.dirname, "patches", p));
/** Bump when the way the kernel is built changes (not its configuration: that is hashed). */
const RECIPE_VERSION = 1;

/** A kernel of the user's: a name, and a configuration fragment merged after umlab's. */
export interface CustomKernelRequest {
  name: string;
  fragment: string;
}

export interface KernelPlan {
  /**
   * fast-<hash of source version, fragment and recipe>, or custom-<name>-<hash
   * of the same and the user's fragment>: a changed input is a new kernel.
   */
  id: string;
  /** "fast", or the custom kernel's name. */
  name: string;
  sourceVersion: string;
  /** The fragments merged over defconfig, in this order: umlab's, then the user's (written into the work folder). */
  fragments: string[];
  /** The user's fragment (a custom kernel), null for the fast kernel. */
  userFragment: string | null;
  /** Where the finished kernel lives: linux, modules/<release>/, kernel.json. */
  dir: string;
  /** Scratch space for the build, removed afterwards. */
  work: string;
  log: string;
}

let identity: { key: string; sourceVersion: string; fragment: string; patches: string } | null = null;

/**
 * The source version and umlab's fragment, asked of dpkg once per installed
 * source tarball: every node start looks the fast kernel up, and a thousand
 * node starts must not mean a thousand dpkg-query runs.
 */
function sourceIdentity(): { sourceVersion: string; fragment: string; patches: string } {
  if (!existsSync(SOURCE_TARBALL)) throw new HostError(`the kernel source is not installed: install the Debian package ${SOURCE_PACKAGE} (\`npm start\` does it)`);
  const key = [SOURCE_TARBALL, FRAGMENT, ...PATCHES].map((f) => statSync(f).mtimeMs).join(" ");
  if (identity?.key !== key) {
    const sourceVersion = execFileSync(hostProgram("dpkg-query"), ["-W", "-f=${Version}", SOURCE_PACKAGE], { encoding: "utf8" }).trim();
    identity = { key, sourceVersion, fragment: readFileSync(FRAGMENT, "utf8"), patches: PATCHES.map((f) => readFileSync(f, "utf8")).join("") };
  }
  return identity;
}

/** A kernel's id: its kind (and name), and a hash of everything it is built from. */
export function kernelId(sourceVersion: string, umlabFragment: string, custom: CustomKernelRequest | null, patches = ""): string {
  const hash = createHash("sha256").update(`v${RECIPE_VERSION}\n${SOURCE_PACKAGE} ${sourceVersion}\n${umlabFragment}`);
  if (patches) hash.update(`\n### umlab's patches\n${patches}`);
  if (custom) hash.update(`\n### the user's fragment\n${custom.fragment}`);
  return `${custom ? `custom-${custom.name}` : "fast"}-${hash.digest("hex").slice(0, 12)}`;
}

/** A fragment as stored and hashed: Unix line ends, one final newline. */
export function normalizeFragment(text: string): string {
  return `${text.replace(/\r\n?/g, "\n").trimEnd()}\n`;
}

/**
 * What would be built on this host now: the fast kernel, or a custom one
 * (whose name and fragment are checked first: a NameError or FragmentError).
 * Throws a HostError when the source package is missing.
 */
export function kernelPlan(root: string, custom: CustomKernelRequest | null = null): KernelPlan {
  if (custom) {
    const problem = customKernelNameProblem(custom.name);
    if (problem) throw new KernelNameError(problem);
    custom = { name: custom.name, fragment: normalizeFragment(custom.fragment) };
    parseFragment(custom.fragment);
  }
  const { sourceVersion, fragment, patches } = sourceIdentity();
  const id = kernelId(sourceVersion, fragment, custom, patches);
  const kernels = kernelsDir(root);
  const work = join(kernels, `.build-${id}`);
  return {
    id,
    name: custom?.name ?? "fast",
    sourceVersion,
    fragments: custom ? [FRAGMENT, join(work, "user.config")] : [FRAGMENT],
    userFragment: custom?.fragment ?? null,
    dir: join(kernels, id),
    work,
    log: join(kernels, `${id}.log`),
  };
}

/**
 * The build as data: unpack Debian's source, `defconfig`, merge our fragment
 * (and then the user's, whose lines win), resolve the rest, compile the kernel and its modules, install the modules
 * into a staging folder. Each step runs with its argv as given, never a shell.
 */
export function buildSteps(plan: KernelPlan, jobs = Math.max(1, cpus().length), seeded = false): BuildStep[] {
  const src = join(plan.work, SOURCE_PACKAGE);
  return [
    ...(seeded
      ? []
      : [
          { label: "unpacking the kernel source", argv: ["tar", "-xJf", SOURCE_TARBALL], cwd: plan.work },
          ...PATCHES.map((p) => ({ label: `patching the source (${basename(p)})`, argv: ["patch", "-p1", "--forward", "-i", p], cwd: src })),
        ]),
    { label: "default configuration", argv: ["make", "ARCH=um", "defconfig"], cwd: src },
    { label: plan.userFragment ? "merging umlab's configuration and yours" : "merging umlab's configuration", argv: ["scripts/kconfig/merge_config.sh", "-m", ".config", ...plan.fragments], cwd: src },
    { label: "resolving the configuration", argv: ["make", "ARCH=um", "olddefconfig"], cwd: src },
    { label: "compiling the kernel and its modules", argv: ["make", "ARCH=um", `-j${jobs}`, "linux", "modules"], cwd: src },
    { label: "installing the modules", argv: ["make", "ARCH=um", "modules_install", "INSTALL_MOD_PATH=../stage", "INSTALL_MOD_STRIP=1", "DEPMOD=/sbin/depmod"], cwd: src },
  ];
}

export type { BuildProgress };

/** What kernel.json says of a built kernel. */
export interface KernelMeta {
  id: string;
  name: string;
  binary: string;
  release: string;
  modules: string;
  source: string;
  builtAt: string;
  seconds: number;
  /** A custom kernel's fragment, as given (also in fragment.config beside it). */
  fragment?: string;
  /** A custom kernel's options that did not end up as its fragment asked. */
  warnings?: string[];
}

export interface BuildKernelOptions {
  /** A kernel of the user's instead of the fast one. */
  custom?: CustomKernelRequest | null;
  onProgress?: (p: BuildProgress) => void;
  /** Aborting ends the running step's processes; the build fails and leaves nothing. */
  signal?: AbortSignal;
  /**
   * Where to leave this build's compiled source tree (instead of removing
   * it), for the next build to start from (`seedTree`).
   */
  keepTree?: string;
  /**
   * A tree another build of the same source and patches left (`keepTree`):
   * taken over instead of unpacking, so kbuild remakes only what the new
   * configuration touches (minutes instead of a whole build). A tree of
   * another source or patch set is thrown away and the build starts afresh.
   */
  seedTree?: string;
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/** What a kept tree was unpacked from: a seed must match it. */
const TREE_STAMP = ".umlab-tree";
const treeIdentity = () => {
  const { sourceVersion, patches } = sourceIdentity();
  return `${sourceVersion}\n${patches}\n${RECIPE_VERSION}\n`;
};

/**
 * Builds the fast kernel, or a custom one, into the plan's folder. Nothing
 * changes unless it all succeeds: the kernel appears at once (a rename) or
 * not at all, and a failure says which step failed with the end of its
 * output (the whole log stays beside it). A bad custom fragment is refused
 * before anything runs.
 */
export async function buildKernel(root: string, o: BuildKernelOptions = {}): Promise<KernelMeta> {
  const plan = kernelPlan(root, o.custom ?? null);
  const built = join(plan.dir, "kernel.json");
  if (existsSync(built)) return JSON.parse(readFileSync(built, "utf8")) as KernelMeta;
  const asked: FragmentOptions | null = plan.userFragment === null ? null : parseFragment(plan.userFragment);
  let warnings: string[] = [];
  for (const tool of ["make", "gcc", "flex", "bison", "bc", "tar", "xz", "patch"]) hostProgram(tool);
  const t0 = Date.now();
  rmSync(plan.work, { recursive: true, force: true });
  mkdirSync(plan.work, { recursive: true });
  const src = join(plan.work, SOURCE_PACKAGE);
  let seeded = false;
  if (o.seedTree && existsSync(o.seedTree)) {
    if (readText(join(o.seedTree, TREE_STAMP)) === treeIdentity()) {
      renameSync(o.seedTree, src);
      seeded = true;
    } else rmSync(o.seedTree, { recursive: true, force: true });
  }
  try {
    if (plan.userFragment !== null) writeFileSync(plan.fragments[1], plan.userFragment);
    await runSteps(buildSteps(plan, undefined, seeded), {
      log: plan.log,
      env: { ARCH: "um" },
      onProgress: o.onProgress,
      signal: o.signal,
      after: (step) => {
        if (!step.argv.includes("olddefconfig")) return;
        const config = readFileSync(join(step.cwd, ".config"), "utf8");
        checkConfig(config, asked !== null);
        if (asked) warnings = unmetOptions(asked, config);
      },
    });
    if (o.signal?.aborted) throw new KernelBuildError("the build was cancelled");
    const release = readFileSync(join(src, "include", "config", "kernel.release"), "utf8").trim();
    const stage = join(plan.work, "stage");
    const modules = join(stage, "modules");
    mkdirSync(modules, { recursive: true });
    // modules_install writes lib/modules/<release>; the kernel keeps just <release>/ (no build/source links into the scratch tree).
    renameSync(join(stage, "lib", "modules", release), join(modules, release));
    for (const link of ["build", "source"]) rmSync(join(modules, release, link), { force: true });
    copyFileSync(join(src, "linux"), join(stage, "linux"));
    const kernel: KernelMeta = {
      id: plan.id,
      name: plan.name,
      binary: join(plan.dir, "linux"),
      release,
      modules: join(plan.dir, "modules"),
      source: `${SOURCE_PACKAGE} ${plan.sourceVersion}`,
      builtAt: new Date().toISOString(),
      seconds: Math.round((Date.now() - t0) / 1000),
      ...(plan.userFragment === null ? {} : { fragment: plan.userFragment, warnings }),
    };
    if (plan.userFragment !== null) writeFileSync(join(stage, "fragment.config"), plan.userFragment);
    writeFileSync(join(stage, "kernel.json"), `${JSON.stringify(kernel, null, 2)}\n`);
    rmSync(join(stage, "lib"), { recursive: true, force: true });
    rmSync(plan.dir, { recursive: true, force: true });
    renameSync(stage, plan.dir);
    if (o.keepTree) {
      rmSync(o.keepTree, { recursive: true, force: true });
      writeFileSync(join(src, TREE_STAMP), treeIdentity());
      renameSync(src, o.keepTree);
    }
    return kernel;
  } finally {
    rmSync(plan.work, { recursive: true, force: true });
  }
}

/** The resolved configuration must not have pulled back what makes boot slow, hang, or reach the host's files. */
export function checkConfig(config: string, custom = false): void {
  const where = custom ? "your fragment" : "umlab.config";
  const slow = ["RAID6_PQ", "XOR_BLOCKS"].filter((o) => new RegExp(`^CONFIG_${o}=`, "m").test(config));
  if (slow.length)
    throw new KernelBuildError(
      `the configuration selects ${slow.map((o) => `CONFIG_${o}`).join(" and ")}, whose boot-time benchmarks cost most of a second: find what selects it (make ARCH=um menuconfig, /${slow[0]}) and leave it out in ${where}`,
    );
  if (/^CONFIG_VMAP_STACK=y/m.test(config))
    throw new KernelBuildError(`the configuration selects CONFIG_VMAP_STACK: UML guests with kernel stacks in vmalloc space can hang at boot (see umlab.config); leave it out in ${where}`);
  if (/^CONFIG_HOSTFS=[ym]/m.test(config))
    throw new KernelBuildError(`the configuration selects CONFIG_HOSTFS: guest root could mount host folders with it (see umlab.config and docs/SECURITY.md); leave it out in ${where}`);
}

export class KernelBuildError extends BuildError {
  constructor(message: string) {
    super(message);
    this.name = "KernelBuildError";
  }
}

/** A custom kernel's name that is not one (see customKernelNameProblem). */
export class KernelNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KernelNameError";
  }
}

/** Built kernels under the data root (the current one and older ones). */
export function builtKernelIds(root: string): string[] {
  const dir = kernelsDir(root);
  return existsSync(dir) ? readdirSync(dir).filter((d) => d.startsWith("fast-") && existsSync(join(dir, d, "kernel.json"))) : [];
}
