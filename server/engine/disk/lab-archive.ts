import { createHash } from "node:crypto";
import { closeSync, createReadStream, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Readable, Writable } from "node:stream";
import { createGunzip, createGzip } from "node:zlib";
import { extract, pack } from "tar-stream";
import { z } from "zod";
import { NAME_PATTERN } from "../../model/names";
import { SPARSE_BLOCK, writeSparse, writtenRanges } from "./sparse-file";

/**
 * A whole lab as one file: its lab.yaml, each node's COW, kept sparse, and,
 * if asked, the images the lab boots. A COW (or an image) is stored as the
 * list of its written ranges (64 KiB blocks that are not all zero) and their
 * bytes, so a 1 GiB COW with 20 MiB written takes 20 MiB, whatever the
 * archiver. The image under each COW is named with its size, mtime and
 * SHA-256: an import checks that the image it puts under a COW is that file
 * system, its own or the one the archive carries (verified as it is written).
 *
 * Layout (tar, gzip): archive.json, lab.yaml, then images/IMAGE.map (JSON
 * [[offset, length], ...]) and images/IMAGE.data for each image carried,
 * then disks/NODE.map and disks/NODE.data for each node with a disk.
 * Reading trusts nothing in it: only those names, only plain files, in that
 * order, within caps, and every range inside the file it claims to be.
 * Version 1 carries no images; version 2 has `images`; version 3 may have
 * `extra`, the lab's extra disks (extra/NAME.map and .data after the COWs),
 * raw files with no image under them.
 */

const FORMAT = "umlab-lab-archive";
/** Caps of what an archive may claim. */
export const ARCHIVE_LIMITS = { nodes: 200, diskBytes: 64 * 2 ** 30, dataBytes: 16 * 2 ** 30, definitionBytes: 1024 * 1024, mapBytes: 8 * 1024 * 1024, images: 8, imageBytes: 16 * 2 ** 30 };

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const backingSchema = z.strictObject({ image: z.string().max(64), size: z.number().int().nonnegative(), mtime: z.number().int().nonnegative(), sha256 });
const carriedSchema = z.strictObject({
  name: z.string().regex(NAME_PATTERN, "not a valid image name (1-31 lower-case letters, digits and \"-\", starting with a letter)"),
  size: z.number().int().nonnegative().max(ARCHIVE_LIMITS.imageBytes, `more than the ${ARCHIVE_LIMITS.imageBytes / 2 ** 30} GiB an image may have`),
  sha256,
  dataBytes: z.number().int().nonnegative().max(ARCHIVE_LIMITS.dataBytes),
  /** The memory its nodes need at least; the image it was merged over, if it was. */
  memoryMiB: z.number().int().min(1).max(65536),
  parent: z.string().max(64).nullable(),
  /** The nodes that boot it: their disks lie over it, or they have none yet. */
  nodes: z.array(z.string().regex(NAME_PATTERN)).max(ARCHIVE_LIMITS.nodes),
});
const manifestSchema = z.strictObject({
  format: z.literal(FORMAT),
  version: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  lab: z.string().max(64),
  createdAt: z.string().max(40),
  images: z.array(carriedSchema).max(ARCHIVE_LIMITS.images, `more than the ${ARCHIVE_LIMITS.images} images an archive may carry`).optional(),
  disks: z
    .array(z.strictObject({ node: z.string().regex(NAME_PATTERN), backing: backingSchema, size: z.number().int().nonnegative().max(ARCHIVE_LIMITS.diskBytes), dataBytes: z.number().int().nonnegative().max(ARCHIVE_LIMITS.dataBytes) }))
    .max(ARCHIVE_LIMITS.nodes),
  extra: z
    .array(z.strictObject({ name: z.string().regex(NAME_PATTERN), size: z.number().int().nonnegative().max(ARCHIVE_LIMITS.diskBytes), dataBytes: z.number().int().nonnegative().max(ARCHIVE_LIMITS.dataBytes) }))
    .max(ARCHIVE_LIMITS.nodes)
    .optional(),
});
export type ArchiveManifest = z.infer<typeof manifestSchema>;
export type ImageIdentity = z.infer<typeof backingSchema>;
/** An image an archive carries, as archive.json describes it. */
export type CarriedImage = z.infer<typeof carriedSchema>;

export class LabArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArchiveError";
  }
}

/** What goes into an archive: the definition; per node with a disk, its COW and the image under it; the images to carry. */
export interface ArchiveSource {
  lab: string;
  definition: string;
  disks: { node: string; cow: string; backing: ImageIdentity }[];
  images?: (Omit<CarriedImage, "size" | "dataBytes"> & { file: string })[];
  /** The lab's extra disk files (disk.ts), by name. */
  extra?: { name: string; file: string }[];
}

/** Writes the archive of `src` to `out` (gzip level 1: a disk's blocks are many, the cores two). */
export async function writeLabArchive(src: ArchiveSource, out: Writable): Promise<ArchiveManifest> {
  const p = pack();
  const sparse = <T extends { file: string }>(x: T) => {
    const ranges = writtenRanges(x.file);
    return { ...x, ranges, size: statSync(x.file).size, dataBytes: ranges.reduce((s, r) => s + r[1], 0) };
  };
  const disks = src.disks.map((d) => ({ ...sparse({ file: d.cow }), node: d.node, backing: d.backing }));
  const images = (src.images ?? []).map(sparse);
  const extra = (src.extra ?? []).map(sparse);
  const manifest: ArchiveManifest = {
    format: FORMAT,
    // The oldest version that holds what this one does, so an older umlab reads what it can.
    version: extra.length ? 3 : images.length ? 2 : 1,
    lab: src.lab,
    createdAt: new Date().toISOString(),
    ...(images.length ? { images: images.map((i) => ({ name: i.name, size: i.size, sha256: i.sha256, dataBytes: i.dataBytes, memoryMiB: i.memoryMiB, parent: i.parent, nodes: i.nodes })) } : {}),
    disks: disks.map((d) => ({ node: d.node, backing: d.backing, size: d.size, dataBytes: d.dataBytes })),
    ...(extra.length ? { extra: extra.map((d) => ({ name: d.name, size: d.size, dataBytes: d.dataBytes })) } : {}),
  };
  const done = pipeline(p, createGzip({ level: 1 }), out);
  const put = (name: string, data: string) => new Promise<void>((resolve, reject) => p.entry({ name, mode: 0o600 }, data, (e) => (e ? reject(e) : resolve())));
  const putSparse = async (name: string, f: { file: string; ranges: [number, number][]; dataBytes: number }) => {
    await put(`${name}.map`, JSON.stringify(f.ranges));
    let finished!: Promise<void>;
    const sink = await new Promise<ReturnType<typeof p.entry>>((ready) => {
      finished = new Promise<void>((resolve, reject) => ready(p.entry({ name: `${name}.data`, size: f.dataBytes, mode: 0o600 }, (e) => (e ? reject(e) : resolve()))));
    });
    for (const [offset, length] of f.ranges)
      for await (const c of createReadStream(f.file, { start: offset, end: offset + length - 1 })) if (!sink.write(c as Buffer)) await new Promise<void>((r) => sink.once("drain", () => r()));
    sink.end(undefined as unknown as Buffer);
    await finished;
  };
  await put("archive.json", JSON.stringify(manifest));
  await put("lab.yaml", src.definition);
  for (const i of images) await putSparse(`images/${i.name}`, i);
  for (const d of disks) await putSparse(`disks/${d.node}`, d);
  for (const d of extra) await putSparse(`extra/${d.name}`, d);
  p.finalize();
  await done;
  return manifest;
}

/** What an archive held, unpacked: its manifest, definition, and what was written into the folder given. */
export interface UnpackedArchive {
  manifest: ArchiveManifest;
  definition: string;
  /** The nodes whose COW is now NODE.cow. */
  nodes: string[];
  /** The images now IMAGE.img, their SHA-256 checked; those `skipImage` chose not to write are not. */
  images: string[];
  /** The lab's extra disks now extra/NAME.img. */
  extra: string[];
}

/** A COW or an image in the archive: its entries' stem, the file it becomes, what archive.json says of it. */
interface SparsePart {
  name: string;
  file: string;
  size: number;
  dataBytes: number;
  image?: CarriedImage;
  node?: string;
  extra?: string;
}

/** The entries after archive.json and lab.yaml, in order: a map, then the data, of each image, then of each disk. */
function partsOf(m: ArchiveManifest): (SparsePart & { entry: string; part: "map" | "data" })[] {
  const files: SparsePart[] = [
    ...(m.images ?? []).map((i) => ({ name: `images/${i.name}`, file: `${i.name}.img`, size: i.size, dataBytes: i.dataBytes, image: i })),
    ...m.disks.map((d) => ({ name: `disks/${d.node}`, file: `${d.node}.cow`, size: d.size, dataBytes: d.dataBytes, node: d.node })),
    ...(m.extra ?? []).map((d) => ({ name: `extra/${d.name}`, file: join("extra", `${d.name}.img`), size: d.size, dataBytes: d.dataBytes, extra: d.name })),
  ];
  return files.flatMap((f) => [{ ...f, entry: `${f.name}.map`, part: "map" as const }, { ...f, entry: `${f.name}.data`, part: "data" as const }]);
}

/**
 * Unpacks an archive into `dir` (NODE.cow for each node with a disk,
 * IMAGE.img for each image carried, unless `skipImage` says this umlab has
 * it already), refusing anything it does not expect. `dir` should be new:
 * the caller deletes it when this throws.
 */
export async function readLabArchive(input: Readable, dir: string, skipImage?: (image: CarriedImage) => Promise<boolean>): Promise<UnpackedArchive> {
  const ex = extract();
  const gunzip = createGunzip();
  input.on("error", (e) => ex.destroy(e));
  gunzip.on("error", (e) => ex.destroy(new LabArchiveError(/unexpected end/.test(e.message) ? `the archive is cut short (gzip: ${e.message}): it was not sent or saved whole` : `not a umlab lab archive (gzip: ${e.message})`)));
  input.pipe(gunzip).pipe(ex);
  let manifest: ArchiveManifest | null = null;
  let definition: string | null = null;
  let parts: ReturnType<typeof partsOf> = [];
  let map: [number, number][] = [];
  const nodes: string[] = [];
  const images: string[] = [];
  const extra: string[] = [];
  let next = 0;
  let done = 0;
  try {
    for await (const e of ex) {
      const { name, type, size = 0 } = e.header;
      const entry = e as unknown as AsyncIterable<Buffer>;
      if (type !== "file") throw new LabArchiveError(`${name.slice(0, 100)}: a ${type} entry has no place in a lab archive`);
      const part = next >= 2 ? parts[next - 2] : undefined;
      const expected = next === 0 ? "archive.json" : next === 1 ? "lab.yaml" : part?.entry;
      if (name !== expected) throw new LabArchiveError(`unexpected entry "${name.slice(0, 100)}" (expected ${expected ?? "the end of the archive"})`);
      if (next === 0) {
        manifest = checkManifest(JSON.parse(await small(entry, size, ARCHIVE_LIMITS.mapBytes, name)));
        parts = partsOf(manifest);
      } else if (next === 1) definition = await small(entry, size, ARCHIVE_LIMITS.definitionBytes, name);
      else if (part!.part === "map") map = checkMap(JSON.parse(await small(entry, size, ARCHIVE_LIMITS.mapBytes, name)), part!.size, part!.dataBytes, name);
      else {
        const { image, file } = part!;
        if (size !== part!.dataBytes) throw new LabArchiveError(`${name}: ${size} bytes where archive.json says ${part!.dataBytes}`);
        if (image && skipImage && (await skipImage(image))) for await (const _ of entry); // this umlab has it: not written again
        else {
          mkdirSync(join(dir, part!.extra ? "extra" : ""), { recursive: true });
          const hash = image ? createHash("sha256") : undefined;
          await writeSparse(entry, join(dir, file), map, part!.size, hash);
          const got = hash?.digest("hex");
          if (image && got !== image.sha256)
            throw new LabArchiveError(`${name}: image ${image.name} is not the one archive.json names (its SHA-256 is ${got!.slice(0, 12)}…, not ${image.sha256.slice(0, 12)}…): the archive is damaged or forged`);
          if (image) images.push(image.name);
          else if (part!.extra) extra.push(part!.extra);
          else nodes.push(part!.node!);
        }
        done++;
      }
      next++;
    }
  } catch (e) {
    ex.destroy();
    if (e instanceof LabArchiveError) throw e;
    throw new LabArchiveError(`not a umlab lab archive: ${(e as Error).message}`);
  }
  if (!manifest || definition === null || done !== parts.length / 2) throw new LabArchiveError("the archive ends early: it is not a whole umlab lab archive");
  return { manifest, definition, nodes, images, extra };
}

function checkManifest(raw: unknown): ArchiveManifest {
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new LabArchiveError(`archive.json: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const m = parsed.data;
  const total = [...m.disks, ...(m.images ?? []), ...(m.extra ?? [])].reduce((s, d) => s + d.dataBytes, 0);
  if (total > ARCHIVE_LIMITS.dataBytes) throw new LabArchiveError(`the archive claims ${total} bytes of disk and image data, more than ${ARCHIVE_LIMITS.dataBytes}`);
  if (new Set(m.disks.map((d) => d.node)).size !== m.disks.length) throw new LabArchiveError("archive.json names a node's disk twice");
  const carried = m.images ?? [];
  if (new Set(carried.map((i) => i.name)).size !== carried.length) throw new LabArchiveError("archive.json names an image twice");
  const booting = carried.flatMap((i) => i.nodes);
  if (new Set(booting).size !== booting.length) throw new LabArchiveError("archive.json gives a node two images");
  if (m.version === 1 && carried.length) throw new LabArchiveError("archive.json: a version 1 archive carries no images");
  if (m.version < 3 && m.extra) throw new LabArchiveError(`archive.json: a version ${m.version} archive has no extra disks`);
  if (new Set((m.extra ?? []).map((d) => d.name)).size !== (m.extra ?? []).length) throw new LabArchiveError("archive.json names an extra disk twice");
  return m;
}

async function small(entry: AsyncIterable<Buffer>, size: number, cap: number, name: string): Promise<string> {
  if (size > cap) throw new LabArchiveError(`${name}: ${size} bytes, more than ${cap}`);
  const chunks: Buffer[] = [];
  for await (const c of entry) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}

function checkMap(raw: unknown, fileSize: number, dataBytes: number, name: string): [number, number][] {
  const ranges = z.array(z.tuple([z.number().int().nonnegative(), z.number().int().positive()])).max(Math.ceil(fileSize / SPARSE_BLOCK) + 1).safeParse(raw);
  if (!ranges.success) throw new LabArchiveError(`${name}: not a list of [offset, length] ranges`);
  let end = 0;
  let sum = 0;
  for (const [offset, length] of ranges.data) {
    if (offset < end) throw new LabArchiveError(`${name}: ranges overlap or are out of order at ${offset}`);
    if (offset + length > fileSize) throw new LabArchiveError(`${name}: a range ends at ${offset + length}, past the file's ${fileSize} bytes`);
    end = offset + length;
    sum += length;
  }
  if (sum !== dataBytes) throw new LabArchiveError(`${name}: its ranges hold ${sum} bytes where archive.json says ${dataBytes}`);
  return ranges.data;
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

