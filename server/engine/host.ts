import { spawn } from "node:child_process";
import { accessSync, constants, readFileSync, statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/** A program or file the host lacks; the message says how to get it. */
export class HostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HostError";
  }
}

const PACKAGE_OF: Record<string, string> = {
  "linux.uml": "user-mode-linux",
  uml_mconsole: "uml-utilities",
  uml_switch: "uml-utilities",
  uml_moo: "uml-utilities",
  cp: "coreutils",
  mkfifo: "coreutils",
  nice: "coreutils",
  patch: "patch",
  vde_switch: "vde2",
  vde_plug: "vde2",
  wirefilter: "vde2",
  slirpvde: "vde2",
  ip: "iproute2",
  busybox: "busybox-static",
  mke2fs: "e2fsprogs",
  cc: "gcc",
  setarch: "util-linux",
  setpriv: "util-linux",
  nsenter: "util-linux",
  bwrap: "bubblewrap",
};

const cache = new Map<string, string>();

/** The absolute path of a host program, or a HostError naming its Debian package. */
export function hostProgram(name: string): string {
  const hit = cache.get(name);
  if (hit) return hit;
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/sbin", "/usr/bin", "/bin"];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      cache.set(name, candidate);
      return candidate;
    } catch {
      // keep looking
    }
  }
  const pkg = PACKAGE_OF[name];
  throw new HostError(
    `${name} is not installed${pkg ? `: install the Debian package ${pkg} (\`npm start\` does it, or: sudo apt-get install ${pkg})` : ""}`,
  );
}

/**
 * Runs a host program to its end (argv, no shell); its failure is a
 * HostError with the start of what it wrote to stderr.
 */
export function runHostProgram(name: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(hostProgram(name), args, { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => {
      if (err.length < 2000) err += d.toString();
    });
    child.stderr.on("error", () => {});
    child.on("error", (e) => reject(new HostError(`${name} could not run: ${e.message}`)));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new HostError(`${name} failed: ${err.trim().slice(0, 500) || `exit code ${code}`}`))));
  });
}

/** The UML kernel to boot; UMLAB_KERNEL overrides Debian's. */
export function umlKernel(): string {
  const custom = process.env.UMLAB_KERNEL;
  if (!custom) return hostProgram("linux.uml");
  try {
    accessSync(custom, constants.X_OK);
  } catch {
    throw new HostError(`the UML kernel ${custom} (UMLAB_KERNEL) is not an executable file; unset UMLAB_KERNEL to use Debian's (package user-mode-linux)`);
  }
  return custom;
}

const TMPFS_MAGIC = 0x01021994;

/**
 * Where linux.uml puts the file that backs guest memory (its TMPDIR). On a
 * disk-backed /tmp the kernel writes guest memory back to disk and counts it
 * as reclaimable cache; tmpfs keeps it in memory, as RAM should be.
 */
export function umlTmpDir(): string {
  if (process.env.UMLAB_UML_TMPDIR) return process.env.UMLAB_UML_TMPDIR;
  try {
    accessSync("/dev/shm", constants.W_OK);
    if (statfsSync("/dev/shm").type === TMPFS_MAGIC) return "/dev/shm";
  } catch {
    // no usable /dev/shm
  }
  return tmpdir();
}

let lpj: number | null = null;

/**
 * A guest kernel's loops per jiffy, given on its command line (`lpj=`) so it
 * skips calibrating its delay loop: calibration spins for several timer
 * ticks (UML runs at HZ=100), 50 ms on an idle host and half a second or more
 * when many guests boot at once, each spinning a core. The value only scales
 * udelay(), which UML's drivers hardly use: the host's BogoMIPS (lpj =
 * BogoMIPS × 500000 / HZ) is near enough.
 */
export function guestLoopsPerJiffy(): number {
  if (lpj === null) {
    const m = /^bogomips\s*:\s*([\d.]+)/im.exec(readFileSync("/proc/cpuinfo", "utf8"));
    lpj = m ? Math.round((Number(m[1]) * 500000) / 100) : 20_000_000;
  }
  return lpj;
}

