import { createHash } from "node:crypto";
import { closeSync, createReadStream, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Readable, Writable } from "node:stream";
import { createGunzip, createGzip } from "node:zlib";
import { extract, pack } from "tar-stream";
import { z } from "zod";
import { NAME_PATTERN } from "../../model/names";

/**
 * A whole lab as one file: its lab.yaml and each node's COW, kept sparse.
 * A COW is stored as the list of its written ranges (64 KiB blocks that are
 * not all zero) and their bytes, so a 1 GiB COW with 20 MiB written takes
 * 20 MiB, whatever the archiver. The images under the COWs are named with
 * their size, mtime and SHA-256, not stored: an import checks that its own
 * image is the same file system before it lets a COW lie over it.
 *
 * Layout (tar, gzip): archive.json, lab.yaml, then disks/NODE.map (JSON
 * [[offset, length], ...]) and disks/NODE.data for each node with a disk.
 * Reading trusts nothing in it: only those names, only plain files, in that
 * order, within caps, and every range inside the disk it claims to be.
 */

const BLOCK = 64 * 1024;
const FORMAT = "umlab-lab-archive";
/** Caps of what an archive may claim. */
export const ARCHIVE_LIMITS = { nodes: 200, diskBytes: 64 * 2 ** 30, dataBytes: 16 * 2 ** 30, definitionBytes: 1024 * 1024, mapBytes: 8 * 1024 * 1024 };

const backingSchema = z.strictObject({ image: z.string().max(64), size: z.number().int().nonnegative(), mtime: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
const manifestSchema = z.strictObject({
  format: z.literal(FORMAT),
  version: z.literal(1),
  lab: z.string().max(64),
  createdAt: z.string().max(40),
  disks: z
    .array(z.strictObject({ node: z.string().regex(NAME_PATTERN), backing: backingSchema, size: z.number().int().nonnegative().max(ARCHIVE_LIMITS.diskBytes), dataBytes: z.number().int().nonnegative().max(ARCHIVE_LIMITS.dataBytes) }))
    .max(ARCHIVE_LIMITS.nodes),
});
export type ArchiveManifest = z.infer<typeof manifestSchema>;
export type ImageIdentity = z.infer<typeof backingSchema>;

export class LabArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArchiveError";
  }
}

/** What goes into an archive: the definition and, per node with a disk, its COW and the image under it. */
export interface ArchiveSource {
  lab: string;
  definition: string;
  disks: { node: string; cow: string; backing: ImageIdentity }[];
}

/** The written 64 KiB blocks of a file, merged into ranges. */
export function writtenRanges(file: string): [number, number][] {
  const fd = openSync(file, "r");
  const size = statSync(file).size;
  const buf = Buffer.alloc(16 * BLOCK);
  const ranges: [number, number][] = [];
  try {
    for (let at = 0; at < size; at += buf.length) {
      const n = readSync(fd, buf, 0, buf.length, at);
      for (let b = 0; b < n; b += BLOCK) {
        const end = Math.min(b + BLOCK, n);
        if (isZero(buf, b, end)) continue;
        const last = ranges[ranges.length - 1];
        if (last && last[0] + last[1] === at + b) last[1] += end - b;
        else ranges.push([at + b, end - b]);
      }
    }
  } finally {
    closeSync(fd);
  }
  return ranges;
}

const ZERO = Buffer.alloc(BLOCK);

/** A native compare (memcmp): a 1 GiB COW is mostly holes, read as zeros. */
function isZero(buf: Buffer, from: number, to: number): boolean {
  return buf.compare(ZERO, 0, to - from, from, to) === 0;
}

/** Writes the archive of `src` to `out` (gzip level 1: a disk's blocks are many, the cores two). */
export async function writeLabArchive(src: ArchiveSource, out: Writable): Promise<ArchiveManifest> {
  const p = pack();
  const disks = src.disks.map((d) => {
    const ranges = writtenRanges(d.cow);
    return { ...d, ranges, size: statSync(d.cow).size, dataBytes: ranges.reduce((s, r) => s + r[1], 0) };
  });
  const manifest: ArchiveManifest = { format: FORMAT, version: 1, lab: src.lab, createdAt: new Date().toISOString(), disks: disks.map((d) => ({ node: d.node, backing: d.backing, size: d.size, dataBytes: d.dataBytes })) };
  const done = pipeline(p, createGzip({ level: 1 }), out);
  const put = (name: string, data: string) => new Promise<void>((resolve, reject) => p.entry({ name, mode: 0o600 }, data, (e) => (e ? reject(e) : resolve())));
  await put("archive.json", JSON.stringify(manifest));
  await put("lab.yaml", src.definition);
  for (const d of disks) {
    await put(`disks/${d.node}.map`, JSON.stringify(d.ranges));
    let finished!: Promise<void>;
    const sink = await new Promise<ReturnType<typeof p.entry>>((ready) => {
      finished = new Promise<void>((resolve, reject) => ready(p.entry({ name: `disks/${d.node}.data`, size: d.dataBytes, mode: 0o600 }, (e) => (e ? reject(e) : resolve()))));
    });
    for (const [offset, length] of d.ranges)
      for await (const c of createReadStream(d.cow, { start: offset, end: offset + length - 1 })) if (!sink.write(c as Buffer)) await new Promise<void>((r) => sink.once("drain", () => r()));
    sink.end(undefined as unknown as Buffer);
    await finished;
  }
  p.finalize();
  await done;
  return manifest;
}

/** What an archive held, unpacked: its manifest, definition, and the COW files written into `disksDir`. */
export interface UnpackedArchive {
  manifest: ArchiveManifest;
  definition: string;
  nodes: string[];
}

/**
 * Unpacks an archive into `disksDir` (NODE.cow for each node with a disk),
 * refusing anything it does not expect. `disksDir` should be new: the
 * caller deletes it when this throws.
 */
export async function readLabArchive(input: Readable, disksDir: string): Promise<UnpackedArchive> {
  const ex = extract();
  const gunzip = createGunzip();
  input.on("error", (e) => ex.destroy(e));
  gunzip.on("error", (e) => ex.destroy(new LabArchiveError(`not a umlab lab archive (gzip: ${e.message})`)));
  input.pipe(gunzip).pipe(ex);
  let manifest: ArchiveManifest | null = null;
  let definition: string | null = null;
  let map: [number, number][] | null = null;
  const nodes: string[] = [];
  let next = 0;
  try {
    for await (const e of ex) {
      const { name, type, size = 0 } = e.header;
      const entry = e as unknown as AsyncIterable<Buffer>;
      if (type !== "file") throw new LabArchiveError(`${name.slice(0, 100)}: a ${type} entry has no place in a lab archive`);
      const expected = expectedName(manifest, next, map !== null);
      if (name !== expected) throw new LabArchiveError(`unexpected entry "${name.slice(0, 100)}" (expected ${expected ?? "the end of the archive"})`);
      if (name === "archive.json") {
        const parsed = manifestSchema.safeParse(JSON.parse(await small(entry, size, ARCHIVE_LIMITS.mapBytes, name)));
        if (!parsed.success) throw new LabArchiveError(`archive.json: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
        manifest = parsed.data;
        const total = manifest.disks.reduce((s, d) => s + d.dataBytes, 0);
        if (total > ARCHIVE_LIMITS.dataBytes) throw new LabArchiveError(`the archive claims ${total} bytes of disk data, more than ${ARCHIVE_LIMITS.dataBytes}`);
        if (new Set(manifest.disks.map((d) => d.node)).size !== manifest.disks.length) throw new LabArchiveError("archive.json names a node's disk twice");
      } else if (name === "lab.yaml") definition = await small(entry, size, ARCHIVE_LIMITS.definitionBytes, name);
      else if (name.endsWith(".map")) {
        const disk = manifest!.disks[(next - 2) >> 1];
        map = checkMap(JSON.parse(await small(entry, size, ARCHIVE_LIMITS.mapBytes, name)), disk.size, disk.dataBytes, name);
      } else {
        const disk = manifest!.disks[(next - 2) >> 1];
        if (size !== disk.dataBytes) throw new LabArchiveError(`${name}: ${size} bytes where archive.json says ${disk.dataBytes}`);
        mkdirSync(disksDir, { recursive: true });
        await writeSparse(entry, join(disksDir, `${disk.node}.cow`), map!, disk.size);
        nodes.push(disk.node);
        map = null;
      }
      next++;
    }
  } catch (e) {
    ex.destroy();
    if (e instanceof LabArchiveError) throw e;
    throw new LabArchiveError(`not a umlab lab archive: ${(e as Error).message}`);
  }
  if (!manifest || definition === null || nodes.length !== manifest.disks.length) throw new LabArchiveError("the archive ends early: it is not a whole umlab lab archive");
  return { manifest, definition, nodes };
}

/** The name entry `i` must have. */
function expectedName(m: ArchiveManifest | null, i: number, haveMap: boolean): string | undefined {
  if (i === 0) return "archive.json";
  if (i === 1) return "lab.yaml";
  const disk = m?.disks[(i - 2) >> 1];
  if (!disk) return undefined;
  return haveMap ? `disks/${disk.node}.data` : `disks/${disk.node}.map`;
}

async function small(entry: AsyncIterable<Buffer>, size: number, cap: number, name: string): Promise<string> {
  if (size > cap) throw new LabArchiveError(`${name}: ${size} bytes, more than ${cap}`);
  const chunks: Buffer[] = [];
  for await (const c of entry) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}

function checkMap(raw: unknown, diskSize: number, dataBytes: number, name: string): [number, number][] {
  const ranges = z.array(z.tuple([z.number().int().nonnegative(), z.number().int().positive()])).max(Math.ceil(diskSize / BLOCK) + 1).safeParse(raw);
  if (!ranges.success) throw new LabArchiveError(`${name}: not a list of [offset, length] ranges`);
  let end = 0;
  let sum = 0;
  for (const [offset, length] of ranges.data) {
    if (offset < end) throw new LabArchiveError(`${name}: ranges overlap or are out of order at ${offset}`);
    if (offset + length > diskSize) throw new LabArchiveError(`${name}: a range ends at ${offset + length}, past the disk's ${diskSize} bytes`);
    end = offset + length;
    sum += length;
  }
  if (sum !== dataBytes) throw new LabArchiveError(`${name}: its ranges hold ${sum} bytes where archive.json says ${dataBytes}`);
  return ranges.data;
}

/** Writes the data stream's bytes at the map's offsets; the holes between stay holes. */
async function writeSparse(data: AsyncIterable<Buffer>, file: string, map: [number, number][], size: number): Promise<void> {
  const fd = openSync(file, "wx", 0o600);
  try {
    let range = 0;
    let into = 0;
    for await (let chunk of data) {
      while (chunk.length) {
        const [offset, length] = map[range];
        const n = Math.min(length - into, chunk.length);
        writeSync(fd, chunk, 0, n, offset + into);
        chunk = chunk.subarray(n);
        into += n;
        if (into === length) {
          range++;
          into = 0;
        }
      }
    }
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
}

/** SHA-256 of an image file, remembered by path, size and mtime (an image never changes in place). */
export async function imageIdentity(root: string, image: string, file: string): Promise<ImageIdentity> {
  const st = statSync(file);
  const cacheFile = join(root, "image-digests.json");
  let cache: Record<string, { size: number; mtimeMs: number; sha256: string }> = {};
  try {
    cache = JSON.parse(readFileSync(cacheFile, "utf8")) as typeof cache;
  } catch {
    cache = {};
  }
  let hit = cache[file];
  if (!hit || hit.size !== st.size || hit.mtimeMs !== st.mtimeMs) {
    const hash = createHash("sha256");
    await pipeline(createReadStream(file), hash);
    hit = { size: st.size, mtimeMs: st.mtimeMs, sha256: hash.digest("hex") };
    cache[file] = hit;
    writeFileSync(cacheFile, JSON.stringify(cache));
  }
  return { image, size: st.size, mtime: Math.floor(st.mtimeMs / 1000), sha256: hit.sha256 };
}

const COW_MAGIC = 0x4f4f4f4d;
const PATH_LEN_V3 = 4096;

/**
 * Points an imported COW at this machine's copy of its image: UML refuses a
 * COW whose header's mtime is not its backing file's, and an image built or
 * copied here has its own. Only after the image was found to be the same
 * file system (its SHA-256).
 */
export function rebaseCow(cow: string, backingFile: string): void {
  const fd = openSync(cow, "r+");
  try {
    const head = Buffer.alloc(32);
    readSync(fd, head, 0, 32, 0);
    if (head.readUInt32BE(0) !== COW_MAGIC || head.readUInt32BE(4) !== 3) throw new LabArchiveError(`${cow}: not a version 3 UML COW file`);
    head.writeUInt32BE(Math.floor(statSync(backingFile).mtimeMs / 1000), 8);
    writeSync(fd, head, 8, 4, 8);
    const path = Buffer.alloc(PATH_LEN_V3);
    if (Buffer.byteLength(backingFile) >= PATH_LEN_V3) throw new LabArchiveError(`${backingFile}: path too long for a COW header`);
    path.write(backingFile);
    writeSync(fd, path, 0, PATH_LEN_V3, 32);
  } finally {
    closeSync(fd);
  }
}

