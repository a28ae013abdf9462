import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { snapshotNameSchema } from "../../model/snapshot";
import { runHostProgram } from "../host";
import type { LabPaths } from "../paths";
import { ExtraDisks } from "./extra-disks";
import { NodeDisk } from "./node-disk";

/** A snapshot as it is listed: what it holds and what it costs on disk. */
export interface SnapshotInfo {
  id: string;
  name: string;
  /** The one node it holds; null for the whole lab. */
  node: string | null;
  createdAt: string;
  /** The nodes it holds a disk of (a node without a disk then is restored to a clean one). */
  disks: string[];
  /** The lab's extra disks it holds (disk.ts), by name (absent from snapshots before extra disks). */
  extra?: string[];
  /** Blocks its files take; apparentBytes: what their sizes add up to (a COW is sparse). */
  diskBytes: number;
  apparentBytes: number;
  /** How long running guests were frozen while their disks were copied; null when none ran. */
  frozenMs: number | null;
}

interface SnapshotFile extends SnapshotInfo {
  /** The lab's definition when it was taken, as its lab.yaml. */
  definition: string;
}

const SNAPSHOT_ID = /^s[a-z0-9]{8,40}$/;
/** Snapshots a lab keeps at most: each holds copies of its disks. */
export const MAX_SNAPSHOTS = 50;

const named = (name: string, message: string) => Object.assign(new Error(message), { name });

/** Freezes the nodes given that are running; the answer resumes them. */
export type Quiesce = (nodes: string[]) => Promise<() => Promise<void>>;

/**
 * A lab's snapshots, in its own folder (labs/ID/snapshots/SNAP): each a
 * copy of the COW files of the lab's nodes (or of one node), their records
 * of the image under them, and the lab's definition then. A COW is copied
 * sparse (a reflink where the filesystem has them); the images under the
 * COWs are shared and never copied, which is why an image is never rewritten
 * in place. Snapshots go with the lab's folder: deleted with the lab, moved
 * with it.
 */
export class LabSnapshots {
  private readonly root: string;

  /** `folder`: "snapshots" for the lab's own; "shares" for those its share links keep (not listed with the others, not counted). */
  constructor(
    private readonly paths: LabPaths,
    folder: "snapshots" | "shares" = "snapshots",
  ) {
    this.root = join(paths.dir, folder);
  }

  list(): SnapshotInfo[] {
    if (!existsSync(this.root)) return [];
    const out: SnapshotInfo[] = [];
    for (const id of readdirSync(this.root)) {
      if (!SNAPSHOT_ID.test(id)) continue;
      const file = this.read(id);
      // A half-written or damaged snapshot is not offered for a rollback.
      if (!file) continue;
      const { definition: _, ...info } = file;
      out.push(info);
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /**
   * Copies the disks of `nodes` (those that have one) with the lab's
   * definition. The running ones among them are frozen for the copy
   * (`quiesce`), so a disk is not copied while its guest writes it.
   */
  async take(req: { name: string; node: string | null; nodes: string[]; extra?: { disks: string[]; in: string[] }; definition: string }, quiesce: Quiesce): Promise<SnapshotInfo> {
    const name = snapshotNameSchema.parse(req.name);
    const taken = this.list();
    if (taken.length >= MAX_SNAPSHOTS) throw named("ConflictError", `this lab has ${taken.length} snapshots, the most it keeps: delete one first`);
    if (taken.some((s) => s.name === name)) throw named("ConflictError", `this lab has a snapshot named "${name}" already`);
    const withDisk = existsSync(this.paths.disks) ? new Set(NodeDisk.nodesIn(this.paths.disks)) : new Set<string>();
    const disks = req.nodes.filter((n) => withDisk.has(n) && existsSync(new NodeDisk(this.paths.disks, n).cow));
    const files = new ExtraDisks(this.paths.disks);
    const made = new Set(files.names());
    const extra = (req.extra?.disks ?? []).filter((d) => made.has(d));
    // The guests that have one of those disks in a slot are frozen with the others.
    const freeze = [...new Set([...disks, ...(extra.length ? (req.extra?.in ?? []) : [])])];
    const id = `s${Date.now().toString(36)}${randomBytes(4).toString("hex")}`;
    const tmp = join(this.root, `.tmp-${id}`);
    mkdirSync(join(tmp, "disks"), { recursive: true });
    try {
      let frozenMs: number | null = null;
      if (disks.length || extra.length) {
        const resume = await quiesce(freeze);
        const t0 = performance.now();
        try {
          for (const n of disks) await copyNodeDisk(this.paths.disks, join(tmp, "disks"), n);
          for (const d of extra) await copyExtraDisk(this.paths.disks, join(tmp, "disks"), d);
        } finally {
          await resume();
          frozenMs = Math.round(performance.now() - t0);
        }
      }
      const use = diskUse(join(tmp, "disks"));
      const file: SnapshotFile = { id, name, node: req.node, createdAt: new Date().toISOString(), disks, extra, ...use, frozenMs, definition: req.definition };
      writeFileSync(join(tmp, "snapshot.json"), JSON.stringify(file));
      renameSync(tmp, join(this.root, id));
      const { definition: _, ...info } = file;
      return info;
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * Puts a snapshot's disks back, for all its nodes or for `node` alone:
   * the node's disk now is deleted, and the snapshot's copied in its place
   * (a node that had none then starts clean). The caller has stopped them.
   * Answers the definition the snapshot was taken with.
   */
  async restore(id: string, node: string | null): Promise<{ definition: string; nodes: string[] }> {
    const file = this.get(id);
    const nodes = node ? [node] : file.node ? [file.node] : null;
    if (node && file.node && file.node !== node) throw named("BadRequestError", `snapshot "${file.name}" holds node ${file.node}, not ${node}`);
    mkdirSync(this.paths.disks, { recursive: true });
    const src = join(this.root, id, "disks");
    // The whole lab: every disk goes, so a node added since the snapshot starts clean too.
    const targets = nodes ?? [...new Set([...NodeDisk.nodesIn(this.paths.disks), ...file.disks])];
    for (const n of targets) {
      new NodeDisk(this.paths.disks, n).wipe();
      if (file.disks.includes(n)) await copyNodeDisk(src, this.paths.disks, n);
    }
    // The lab's extra disks as they were: all of them for the whole lab (one made since goes), a node's own for a node.
    const files = new ExtraDisks(this.paths.disks);
    const extra = file.extra ?? [];
    for (const d of nodes ? extra : [...new Set([...files.names(), ...extra])]) {
      files.wipe(d);
      if (extra.includes(d)) await copyExtraDisk(src, this.paths.disks, d);
    }
    return { definition: file.definition, nodes: targets };
  }

  /** Copies a snapshot's disks into another lab's disks folder (a fork), over whatever disks it had; answers the nodes copied. */
  async copyTo(id: string, disksDir: string): Promise<string[]> {
    const file = this.get(id);
    mkdirSync(disksDir, { recursive: true });
    for (const n of file.disks) {
      new NodeDisk(disksDir, n).wipe();
      await copyNodeDisk(join(this.root, id, "disks"), disksDir, n);
    }
    for (const d of file.extra ?? []) await copyExtraDisk(join(this.root, id, "disks"), disksDir, d);
    return file.disks;
  }

  remove(id: string): SnapshotInfo {
    const { definition: _, ...info } = this.get(id);
    rmSync(join(this.root, id), { recursive: true, force: true });
    return info;
  }

  private get(id: string): SnapshotFile {
    const file = SNAPSHOT_ID.test(id) ? this.read(id) : null;
    if (!file) throw named("NotFoundError", `no snapshot "${id.slice(0, 60)}"`);
    return file;
  }

  private read(id: string): SnapshotFile | null {
    try {
      const file = JSON.parse(readFileSync(join(this.root, id, "snapshot.json"), "utf8")) as SnapshotFile;
      return file.id === id && typeof file.definition === "string" ? file : null;
    } catch {
      return null;
    }
  }
}

/** Copies a node's COW and its record of the image under it between two disks folders. */
export async function copyNodeDisk(fromDir: string, toDir: string, node: string): Promise<void> {
  const from = new NodeDisk(fromDir, node);
  const to = new NodeDisk(toDir, node);
  mkdirSync(toDir, { recursive: true });
  await sparseCopy(from.cow, to.cow);
  await sparseCopy(from.record, to.record);
}

/** Copies one of the lab's extra disk files (disks/extra/NAME.img) between two disks folders, over what is there. */
export async function copyExtraDisk(fromDir: string, toDir: string, disk: string): Promise<void> {
  const from = new ExtraDisks(fromDir);
  const to = new ExtraDisks(toDir);
  mkdirSync(to.dir, { recursive: true });
  to.wipe(disk);
  await sparseCopy(from.file(disk), to.file(disk));
}

/** Blocks (real use) and sizes (apparent) of the files in a folder and the one below (extra/). */
export function diskUse(dir: string): { diskBytes: number; apparentBytes: number } {
  let diskBytes = 0;
  let apparentBytes = 0;
  for (const f of existsSync(dir) ? readdirSync(dir) : []) {
    const st = statSync(join(dir, f));
    if (st.isDirectory()) {
      const sub = diskUse(join(dir, f));
      diskBytes += sub.diskBytes;
      apparentBytes += sub.apparentBytes;
      continue;
    }
    diskBytes += st.blocks * 512;
    apparentBytes += st.size;
  }
  return { diskBytes, apparentBytes };
}

/** GNU cp keeps holes (and shares blocks on a filesystem with reflinks): a 1 GiB COW with 20 MiB written copies as 20 MiB. */
const sparseCopy = (src: string, dst: string) =>
  runHostProgram("cp", ["--sparse=always", "--reflink=auto", "--", src, dst]).catch((e: Error) => Promise.reject(named("HostError", `cannot copy a disk: ${e.message.replace(/^cp failed: /, "")}`)));
