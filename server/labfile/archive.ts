import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { unzipSync, zipSync } from "fflate";
import { extract, pack } from "tar-stream";

/**
 * Lab folders as archives (.zip, .tar.gz/.tgz, .tar) and from disk: files by
 * relative path. Whatever the source, an entry that would leave the folder
 * (absolute, "..") refuses the whole archive, and the total size and file
 * count are capped, so a zip bomb or a folder of junk stops early.
 */

export const MAX_LAB_BYTES = 64 * 1024 * 1024;
export const MAX_LAB_FILES = 4000;

export class ArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArchiveError";
  }
}

export interface LabFiles {
  files: Record<string, Buffer>;
  /** Entries that were not files (links, devices), one sentence each. */
  skipped: string[];
}

/** Collects files under the caps, with safe relative paths. */
export class FileSet {
  readonly files: Record<string, Buffer> = {};
  readonly skipped: string[] = [];
  private bytes = 0;
  private count = 0;

  /** The path inside the lab folder ("a/b"), or null for the folder itself; throws for one outside it. */
  static path(name: string): string | null {
    const p = name.replace(/\\/g, "/");
    if (p.startsWith("/") || /^[A-Za-z]:/.test(p)) throw new ArchiveError(`${name}: an absolute path cannot be part of a lab folder`);
    const parts = p.split("/").filter((s) => s !== "" && s !== ".");
    if (parts.includes("..")) throw new ArchiveError(`${name}: a path with ".." would leave the lab folder`);
    return parts.length ? parts.join("/") : null;
  }

  /** Throws before taking more than the caps allow. */
  reserve(name: string, size: number): void {
    this.count += 1;
    this.bytes += size;
    if (this.count > MAX_LAB_FILES) throw new ArchiveError(`more than ${MAX_LAB_FILES} files: this is not a lab folder`);
    if (this.bytes > MAX_LAB_BYTES) throw new ArchiveError(`more than ${MAX_LAB_BYTES / 1024 / 1024} MiB of files (at ${name}): too large for a lab`);
  }

  add(name: string, data: Uint8Array): void {
    const path = FileSet.path(name);
    if (path === null) return;
    this.reserve(name, data.length);
    this.files[path] = Buffer.from(data.buffer, data.byteOffset, data.length);
  }

  skip(name: string, what: string): void {
    this.skipped.push(`${name} is ${what} and was not imported`);
  }

  result(): LabFiles {
    return { files: this.files, skipped: this.skipped };
  }
}

export type ArchiveKind = "zip" | "tar.gz" | "tar";

export function archiveKind(bytes: Uint8Array): ArchiveKind | null {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5)) return "zip";
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return "tar.gz";
  if (bytes.length >= 512 && Buffer.from(bytes.subarray(257, 262)).toString("latin1") === "ustar") return "tar";
  return null;
}

export async function readArchive(bytes: Uint8Array): Promise<LabFiles> {
  const kind = archiveKind(bytes);
  if (kind === "zip") return readZip(bytes);
  if (kind === "tar") return readTar(bytes);
  if (kind === "tar.gz") {
    let tar: Buffer;
    try {
      // Room for the tar headers of the largest lab allowed; a bomb stops here.
      tar = gunzipSync(bytes, { maxOutputLength: MAX_LAB_BYTES + MAX_LAB_FILES * 1024 + 1024 * 1024 });
    } catch (e) {
      throw new ArchiveError(e instanceof RangeError ? `the archive unpacks to more than ${MAX_LAB_BYTES / 1024 / 1024} MiB: too large for a lab` : `not a valid .tar.gz: ${(e as Error).message}`);
    }
    return readTar(tar);
  }
  throw new ArchiveError("not a .zip, .tar.gz or .tar archive");
}

function readZip(bytes: Uint8Array): LabFiles {
  const set = new FileSet();
  let entries: Record<string, Uint8Array>;
  try {
    // The declared sizes are checked before anything is inflated, and fflate inflates into buffers of those sizes.
    entries = unzipSync(bytes, {
      filter: (f) => {
        if (f.name.endsWith("/")) return false;
        if (FileSet.path(f.name) !== null) set.reserve(f.name, f.originalSize);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof ArchiveError) throw e;
    throw new ArchiveError(`not a valid .zip: ${(e as Error).message}`);
  }
  for (const [name, data] of Object.entries(entries)) {
    const path = FileSet.path(name);
    if (path !== null) set.files[path] = Buffer.from(data.buffer, data.byteOffset, data.length);
  }
  return set.result();
}

async function readTar(bytes: Uint8Array): Promise<LabFiles> {
  const set = new FileSet();
  const ex = extract();
  ex.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  try {
    for await (const entry of ex) {
      const { name, type, size = 0 } = entry.header;
      const path = FileSet.path(name);
      if (path !== null && (type === "file" || type === "contiguous-file")) {
        set.reserve(name, size);
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        set.files[path] = Buffer.concat(chunks);
        continue;
      }
      if (type !== "directory") set.skip(name, type === "symlink" || type === "link" ? "a link" : `a ${type ?? "special"} entry`);
      entry.resume();
    }
  } catch (e) {
    ex.destroy();
    if (e instanceof ArchiveError) throw e;
    throw new ArchiveError(`not a valid tar archive: ${(e as Error).message}`);
  }
  return set.result();
}

/**
 * The files under a folder on disk; links and special files are skipped (and
 * said so), and so are hidden entries at its top (.git/, .vscode/), which are
 * no part of a lab and can hold more files than a lab may.
 */
export function readFolder(dir: string): LabFiles {
  const set = new FileSet();
  const walk = (rel: string) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (!rel && e.name.startsWith(".")) continue;
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path);
      else if (e.isFile()) {
        set.reserve(path, lstatSync(join(dir, path)).size);
        set.files[path] = readFileSync(join(dir, path));
      } else set.skip(path, e.isSymbolicLink() ? "a link" : "not a regular file");
    }
  };
  walk("");
  return set.result();
}

const sorted = (files: Record<string, string | Uint8Array>) => Object.keys(files).sort();
const bytesOf = (v: string | Uint8Array) => (typeof v === "string" ? Buffer.from(v, "utf8") : Buffer.from(v));

/** A .tar.gz of the files under one top folder (so unpacking makes one folder), with its subfolders. */
export async function writeTarGz(files: Record<string, string | Uint8Array>, top: string): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of p) chunks.push(c as Buffer);
  })();
  const mtime = new Date();
  const dirs = new Set<string>();
  p.entry({ name: `${top}/`, type: "directory", mode: 0o755, mtime });
  for (const path of sorted(files)) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = `${top}/${parts.slice(0, i).join("/")}`;
      if (!dirs.has(dir)) {
        dirs.add(dir);
        p.entry({ name: `${dir}/`, type: "directory", mode: 0o755, mtime });
      }
    }
    p.entry({ name: `${top}/${path}`, mode: 0o644, mtime }, bytesOf(files[path]));
  }
  p.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

export function writeZip(files: Record<string, string | Uint8Array>, top: string): Uint8Array {
  return zipSync(Object.fromEntries(sorted(files).map((path) => [`${top}/${path}`, bytesOf(files[path])])));
}
