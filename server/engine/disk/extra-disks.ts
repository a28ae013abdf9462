import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Disk } from "../../model/disk";
import { runHostProgram } from "../host";

/**
 * A lab's extra disks as files: labs/ID/disks/extra/NAME.img, raw, sparse,
 * made at the first start of a node that has the disk and kept until the
 * disk is reset or the lab deleted. A formatted disk gets its file system
 * (labelled with the disk's name, owned by the guest's root) when the file
 * is made; the file is renamed into place only once whole, so a half-made
 * disk is never booted.
 */
export class ExtraDisks {
  /** Files being made, by path: two nodes sharing a disk and starting together make it once. */
  private readonly making = new Map<string, Promise<string>>();

  constructor(private readonly disksDir: string) {}

  get dir(): string {
    return join(this.disksDir, "extra");
  }

  file(name: string): string {
    return join(this.dir, `${name}.img`);
  }

  /** The disk's file, made now if it is not there yet. */
  ensure(disk: Disk): Promise<string> {
    const file = this.file(disk.name);
    if (existsSync(file)) return Promise.resolve(file);
    let p = this.making.get(file);
    if (!p) {
      p = make(disk, file).finally(() => this.making.delete(file));
      this.making.set(file, p);
    }
    return p;
  }

  /** Its file gone: the next start makes it afresh. */
  wipe(name: string): void {
    rmSync(this.file(name), { force: true });
  }

  /** The disks that have a file, by name. */
  names(): string[] {
    return existsSync(this.dir) ? readdirSync(this.dir).flatMap((f) => diskOfFileName(f) ?? []) : [];
  }
}

/** The disk a file name (NAME.img) is the file of, or null. */
export function diskOfFileName(file: string): string | null {
  return /^([a-z][a-z0-9-]{0,30})\.img$/.exec(file)?.[1] ?? null;
}

async function make(disk: Disk, file: string): Promise<string> {
  const tmp = `${file}.${process.pid}.making`;
  try {
    mkdirSync(join(file, ".."), { recursive: true });
    const fd = openSync(tmp, "w", 0o600);
    try {
      ftruncateSync(fd, disk.sizeMiB * 2 ** 20);
    } finally {
      closeSync(fd);
    }
    if (disk.format !== "none")
      // root_owner: the guest's root owns the file system's root, whoever made the file on the host.
      await runHostProgram("mke2fs", ["-q", "-F", "-t", disk.format, "-L", disk.name.slice(0, 16), "-E", "root_owner=0:0", tmp]);
    renameSync(tmp, file);
    return file;
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // its folder never was
    }
    throw new Error(`disk ${disk.name}: cannot make its file: ${(e as Error).message}`);
  }
}

/**
 * Who holds each file's lock: the pid of the process with a POSIX lock on
 * it, from /proc/locks (a guest's linux.uml locks its disk's file when the
 * guest opens the device: at a mount, not at boot). Files by device and
 * inode; a file that is not there or not locked has no entry.
 */
export function lockHolders(files: readonly string[], locks = readProcLocks()): Map<string, number> {
  const byKey = new Map<string, string>();
  for (const f of files) {
    try {
      const st = statSync(f);
      byKey.set(`${major(st.dev)}:${minor(st.dev)}:${st.ino}`, f);
    } catch {
      // not made yet: nobody holds it
    }
  }
  const out = new Map<string, number>();
  for (const l of parseProcLocks(locks)) {
    const file = byKey.get(`${l.major}:${l.minor}:${l.inode}`);
    if (file && !out.has(file)) out.set(file, l.pid);
  }
  return out;
}

function readProcLocks(): string {
  try {
    return readFileSync("/proc/locks", "utf8");
  } catch {
    return "";
  }
}

// Linux's dev_t: 12 bits of major, 20 of minor, split as the kernel's new_encode_dev does.
const major = (dev: number) => ((dev >>> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
const minor = (dev: number) => (dev & 0xff) | ((dev >>> 12) & ~0xff);

export interface ProcLock {
  pid: number;
  major: number;
  minor: number;
  inode: number;
}

/**
 * /proc/locks' lines: `1: POSIX  ADVISORY  WRITE 1234 08:01:5678 0 EOF`
 * (the device in hex, the inode in decimal). Blocked waiters (`->`) and
 * lines of another shape are left out.
 */
export function parseProcLocks(text: string): ProcLock[] {
  const out: ProcLock[] = [];
  for (const line of text.split("\n")) {
    const m = /^\d+:\s+(?:POSIX|OFDLCK|FLOCK)\s+\S+\s+\S+\s+(-?\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(line);
    if (m) out.push({ pid: Number(m[1]), major: parseInt(m[2], 16), minor: parseInt(m[3], 16), inode: Number(m[4]) });
  }
  return out;
}
