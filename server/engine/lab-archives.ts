import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { serializeLabYaml } from "../labfile/labyaml";
import type { Lab } from "../model/lab";
import { imageIdentity, LabArchiveError, readLabArchive, rebaseCow, writeLabArchive, type ArchiveManifest } from "./disk/lab-archive";
import { NodeDisk } from "./disk/node-disk";
import { copyNodeDisk, diskUse } from "./disk/snapshots";
import type { Engine } from "./engine";
import { resolveImage } from "./image/images";
import type { LabDisks } from "./lab-disks";
import { LabRunError } from "./lab-run";
import { labPaths, transferDir } from "./paths";

const TOKEN = /^[0-9a-f]{32}$/;
/** A transfer file older than this was not fetched (a download never read, an upload cut off): it goes. */
const TRANSFER_MAX_AGE_MS = 60 * 60 * 1000;

/** Removes what is left in the transfer folder from transfers an hour old or more. */
export function sweepTransfers(root: string, now = Date.now()): string[] {
  const dir = transferDir(root);
  if (!existsSync(dir)) return [];
  const gone: string[] = [];
  for (const f of readdirSync(dir)) {
    if (!TOKEN.test(f.split(".")[0])) continue;
    try {
      if (now - statSync(join(dir, f)).mtimeMs < TRANSFER_MAX_AGE_MS) continue;
      rmSync(join(dir, f), { recursive: true, force: true });
      gone.push(f);
    } catch {
      // gone meanwhile
    }
  }
  return gone;
}

/** An archive written: its file, size, and what its disks take against their apparent size. */
export interface ArchiveSummary {
  file: string;
  bytes: number;
  disks: string[];
  diskBytes: number;
  apparentBytes: number;
}

export interface UnpackedLab {
  lab: string;
  definition: string;
  disks: string[];
}

/**
 * Whole-lab archives on the engine's side. Export copies the disks (running
 * guests paused for the copy, as a snapshot does) and writes the archive
 * from the copy; import unpacks into a staging folder, checks that each COW
 * lies over an image this umlab has (the same SHA-256), and then, once the
 * server has made the lab, moves the disks into it, each pointed at the
 * local image. Files are named by a token the server chose, never by a name
 * from the archive.
 */
export class LabArchives {
  constructor(
    private readonly engine: Engine,
    private readonly disks: LabDisks,
  ) {}

  private files(token: string) {
    if (!TOKEN.test(token)) throw new LabArchiveError("not a transfer token");
    const dir = transferDir(this.engine.root);
    return { archive: join(dir, `${token}.umlab`), staging: join(dir, `${token}.d`), copy: join(dir, `${token}.disks`) };
  }

  exportLab(id: string, lab: Lab, token: string): Promise<ArchiveSummary> {
    const f = this.files(token);
    sweepTransfers(this.engine.root);
    return this.engine.withLab(id, async () => {
      const src = labPaths(this.engine.root, id).disks;
      const have = existsSync(src) ? new Set(NodeDisk.nodesIn(src)) : new Set<string>();
      const nodes = lab.nodes.filter((n) => have.has(n.name) && existsSync(new NodeDisk(src, n.name).cow));
      mkdirSync(f.copy, { recursive: true });
      try {
        const resume = await this.disks.freeze(id, nodes.map((n) => n.name));
        try {
          for (const n of nodes) await copyNodeDisk(src, f.copy, n.name);
        } finally {
          await resume();
        }
        const entries = [];
        for (const n of nodes) {
          const disk = new NodeDisk(f.copy, n.name);
          const backing = readFileSync(disk.record, "utf8").trim();
          if (!existsSync(backing)) throw new LabRunError(`the image under node ${n.name}'s disk is gone (${backing})`);
          entries.push({ node: n.name, cow: disk.cow, backing: await imageIdentity(this.engine.root, n.image, backing) });
        }
        const out = createWriteStream(f.archive, { mode: 0o600 });
        await writeLabArchive({ lab: lab.name, definition: serializeLabYaml(lab), disks: entries }, out);
        await finished(out);
        const use = diskUse(f.copy);
        return { file: f.archive, bytes: statSync(f.archive).size, disks: nodes.map((n) => n.name), diskBytes: use.diskBytes, apparentBytes: use.apparentBytes };
      } catch (e) {
        rmSync(f.archive, { force: true });
        throw e;
      } finally {
        rmSync(f.copy, { recursive: true, force: true });
      }
    });
  }

  /** Unpacks the uploaded archive of `token` into its staging folder, after checking its images are this umlab's. */
  async unpack(token: string): Promise<UnpackedLab> {
    const f = this.files(token);
    sweepTransfers(this.engine.root);
    if (!existsSync(f.archive)) throw new LabArchiveError("no uploaded archive for this token");
    rmSync(f.staging, { recursive: true, force: true });
    try {
      const got = await readLabArchive(createReadStream(f.archive), f.staging);
      for (const d of got.manifest.disks) await this.checkImage(d);
      mkdirSync(f.staging, { recursive: true });
      writeFileSync(join(f.staging, "manifest.json"), JSON.stringify(got.manifest));
      return { lab: got.manifest.lab, definition: got.definition, disks: got.nodes };
    } catch (e) {
      rmSync(f.staging, { recursive: true, force: true });
      throw e;
    }
  }

  /** Moves the staged disks into lab `id` (new, stopped), each pointed at this umlab's copy of its image. */
  adopt(token: string, id: string, lab: Lab): Promise<string[]> {
    const f = this.files(token);
    return this.engine.withLab(id, async () => {
      if (this.engine.run(id)) throw new LabRunError("the lab to import disks into is running");
      const manifest = JSON.parse(readFileSync(join(f.staging, "manifest.json"), "utf8")) as ArchiveManifest;
      const dest = labPaths(this.engine.root, id).disks;
      if (existsSync(dest) && readdirSync(dest).length) throw new LabRunError("the lab to import disks into has disks already");
      mkdirSync(dest, { recursive: true });
      for (const d of manifest.disks) {
        const node = lab.nodes.find((n) => n.name === d.node);
        if (!node) throw new LabArchiveError(`the archive holds a disk of node ${d.node}, which its lab.yaml does not have`);
        if (node.image !== d.backing.image) throw new LabArchiveError(`node ${d.node}'s disk lies over image ${d.backing.image}, but its lab.yaml says image ${node.image}`);
        const image = resolveImage(this.engine.root, node.image);
        const staged = join(f.staging, `${d.node}.cow`);
        rebaseCow(staged, image);
        const disk = new NodeDisk(dest, d.node);
        renameSync(staged, disk.cow);
        writeFileSync(disk.record, `${image}\n`);
      }
      this.drop(token);
      return manifest.disks.map((d) => d.node);
    });
  }

  drop(token: string): void {
    const f = this.files(token);
    for (const p of [f.archive, f.staging, f.copy]) rmSync(p, { recursive: true, force: true });
  }

  private async checkImage(d: ArchiveManifest["disks"][number]): Promise<void> {
    let file: string;
    try {
      file = resolveImage(this.engine.root, d.backing.image);
    } catch (e) {
      throw new LabArchiveError(`node ${d.node}'s disk lies over image ${d.backing.image}, which this umlab cannot give: ${(e as Error).message}`);
    }
    const mine = await imageIdentity(this.engine.root, d.backing.image, file);
    if (mine.size !== d.backing.size || mine.sha256 !== d.backing.sha256)
      throw new LabArchiveError(
        `node ${d.node}'s disk lies over a build of image ${d.backing.image} (SHA-256 ${d.backing.sha256.slice(0, 12)}…) that is not this umlab's (${mine.sha256.slice(0, 12)}…): a COW only makes sense over the very image it was made on`,
      );
  }
}
