import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { parseLabYaml, serializeLabYaml } from "../labfile/labyaml";
import type { Lab } from "../model/lab";
import { imageHere, imagesToCarry, freeName, type PlacedImage } from "./archive-images";
import { ImageService } from "./build/image-service";
import { imageIdentity, LabArchiveError, readLabArchive, rebaseCow, writeLabArchive, type ArchiveManifest, type CarriedImage } from "./disk/lab-archive";
import { NodeDisk } from "./disk/node-disk";
import { copyExtraDisk, copyNodeDisk, diskUse } from "./disk/snapshots";
import { ExtraDisks } from "./disk/extra-disks";
import type { Engine } from "./engine";
import { imageNames, resolveImage } from "./image/images";
import { removeMergedImage } from "./image/merged";
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
  /** The images carried (export with images), each with the bytes of it that travel (its written blocks). */
  images: { name: string; bytes: number }[];
}

export interface UnpackedLab {
  lab: string;
  /** The lab.yaml, its nodes' `image:` pointing at the names the carried images have here. */
  definition: string;
  disks: string[];
  /** What becomes of each carried image: used as this umlab has it (`reused`), or installed as `as` when the lab is made. */
  images: { name: string; as: string; reused: boolean; bytes: number }[];
}

/**
 * Whole-lab archives on the engine's side. Export copies the disks (running
 * guests paused for the copy, as a snapshot does) and writes the archive
 * from the copy, with the images the lab boots if asked (archive-images.ts);
 * import unpacks into a staging folder, checks that each COW lies over an
 * image this umlab has or the archive carries (the same SHA-256), and then,
 * once the server has made the lab, installs the carried images it lacks
 * and moves the disks in, each pointed at its image here. Files are named
 * by a token the server chose, never by a name from the archive; a refused
 * import leaves nothing.
 */
export class LabArchives {
  constructor(
    private readonly engine: Engine,
    private readonly disks: LabDisks,
    /** Where carried images are registered (the engine's, so lists hear of them). */
    private readonly images: ImageService = new ImageService(engine.root),
  ) {}

  private files(token: string) {
    if (!TOKEN.test(token)) throw new LabArchiveError("not a transfer token");
    const dir = transferDir(this.engine.root);
    return { archive: join(dir, `${token}.umlab`), staging: join(dir, `${token}.d`), copy: join(dir, `${token}.disks`) };
  }

  exportLab(id: string, lab: Lab, token: string, images = false): Promise<ArchiveSummary> {
    const f = this.files(token);
    sweepTransfers(this.engine.root);
    return this.engine.withLab(id, async () => {
      const src = labPaths(this.engine.root, id).disks;
      const have = existsSync(src) ? new Set(NodeDisk.nodesIn(src)) : new Set<string>();
      const nodes = lab.nodes.filter((n) => have.has(n.name) && existsSync(new NodeDisk(src, n.name).cow));
      mkdirSync(f.copy, { recursive: true });
      // The lab's extra disks go too; the guests that have one in a slot are frozen with the rest.
      const extra = new ExtraDisks(src).names().filter((d) => lab.disks.some((x) => x.name === d));
      try {
        const resume = await this.disks.freeze(id, [...new Set([...nodes.map((n) => n.name), ...(extra.length ? this.disks.holding(id, extra) : [])])]);
        try {
          for (const n of nodes) await copyNodeDisk(src, f.copy, n.name);
          for (const d of extra) await copyExtraDisk(src, f.copy, d);
        } finally {
          await resume();
        }
        const entries = [];
        const under = new Map<string, string>();
        for (const n of nodes) {
          const disk = new NodeDisk(f.copy, n.name);
          const backing = readFileSync(disk.record, "utf8").trim();
          if (!existsSync(backing)) throw new LabRunError(`the image under node ${n.name}'s disk is gone (${backing})`);
          entries.push({ node: n.name, cow: disk.cow, backing: await imageIdentity(this.engine.root, n.image, backing) });
          under.set(n.name, backing);
        }
        const memory = new Map(this.images.list().map((i) => [i.name, i.memoryMiB]));
        const carried = images ? await imagesToCarry(this.engine.root, lab, under, (i) => memory.get(i) ?? 64) : [];
        const out = createWriteStream(f.archive, { mode: 0o600 });
        const copied = new ExtraDisks(f.copy);
        const manifest = await writeLabArchive({ lab: lab.name, definition: serializeLabYaml(lab), disks: entries, images: carried, extra: extra.map((name) => ({ name, file: copied.file(name) })) }, out);
        await finished(out);
        const use = diskUse(f.copy);
        return {
          file: f.archive,
          bytes: statSync(f.archive).size,
          disks: nodes.map((n) => n.name),
          diskBytes: use.diskBytes,
          apparentBytes: use.apparentBytes,
          images: (manifest.images ?? []).map((i) => ({ name: i.name, bytes: i.dataBytes })),
        };
      } catch (e) {
        rmSync(f.archive, { force: true });
        throw e;
      } finally {
        rmSync(f.copy, { recursive: true, force: true });
      }
    });
  }

  /**
   * Unpacks the uploaded archive of `token` into its staging folder, after
   * checking that each disk lies over an image this umlab has or the archive
   * carries. A carried image this umlab has is not written; the others are
   * staged, their SHA-256 checked, and given the names they will have here.
   */
  async unpack(token: string): Promise<UnpackedLab> {
    const f = this.files(token);
    sweepTransfers(this.engine.root);
    if (!existsSync(f.archive)) throw new LabArchiveError("no uploaded archive for this token");
    rmSync(f.staging, { recursive: true, force: true });
    const root = this.engine.root;
    const placed = new Map<string, PlacedImage>();
    const place = async (image: CarriedImage) => {
      const here = await imageHere(root, image);
      const as = here ?? freeName(image.name, (n) => imageNames(root).includes(n) || [...placed.values()].some((p) => p.as === n));
      placed.set(image.name, { name: image.name, as, reused: !!here, bytes: image.dataBytes, parent: image.parent, memoryMiB: image.memoryMiB, nodes: image.nodes });
      return !!here;
    };
    try {
      const got = await readLabArchive(createReadStream(f.archive), f.staging, place);
      const carried = new Map((got.manifest.images ?? []).flatMap((i) => i.nodes.map((n) => [n, i] as const)));
      for (const d of got.manifest.disks) {
        const image = carried.get(d.node);
        if (!image) await this.checkImage(d);
        else if (image.sha256 !== d.backing.sha256 || image.size !== d.backing.size)
          throw new LabArchiveError(`node ${d.node}'s disk lies over a build of image ${d.backing.image} (SHA-256 ${d.backing.sha256.slice(0, 12)}…) that is not the image ${image.name} the archive carries for it`);
      }
      const images = [...placed.values()];
      mkdirSync(f.staging, { recursive: true });
      writeFileSync(join(f.staging, "manifest.json"), JSON.stringify(got.manifest));
      writeFileSync(join(f.staging, "images.json"), JSON.stringify(images));
      return { lab: got.manifest.lab, definition: renamed(got.definition, images), disks: got.nodes, images: images.map(({ name, as, reused, bytes }) => ({ name, as, reused, bytes })) };
    } catch (e) {
      rmSync(f.staging, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * Installs the staged images this umlab lacks and moves the staged disks
   * into lab `id` (new, stopped), each pointed at its image here. What it
   * installed goes again if a later step fails.
   */
  adopt(token: string, id: string, lab: Lab): Promise<string[]> {
    const f = this.files(token);
    return this.engine.withLab(id, async () => {
      if (this.engine.run(id)) throw new LabRunError("the lab to import disks into is running");
      const manifest = JSON.parse(readFileSync(join(f.staging, "manifest.json"), "utf8")) as ArchiveManifest;
      const images = existsSync(join(f.staging, "images.json")) ? (JSON.parse(readFileSync(join(f.staging, "images.json"), "utf8")) as PlacedImage[]) : [];
      const dest = labPaths(this.engine.root, id).disks;
      if (existsSync(dest) && readdirSync(dest).length) throw new LabRunError("the lab to import disks into has disks already");
      const imageOf = new Map(images.flatMap((i) => i.nodes.map((n) => [n, i.as] as const)));
      for (const d of manifest.extra ?? [])
        if (!lab.disks.some((x) => x.name === d.name)) throw new LabArchiveError(`the archive holds disk ${d.name}, which its lab.yaml does not have`);
      for (const d of manifest.disks) {
        const node = lab.nodes.find((n) => n.name === d.node);
        if (!node) throw new LabArchiveError(`the archive holds a disk of node ${d.node}, which its lab.yaml does not have`);
        const want = imageOf.get(d.node) ?? d.backing.image;
        if (node.image !== want) throw new LabArchiveError(`node ${d.node}'s disk lies over image ${want}, but its lab.yaml says image ${node.image}`);
      }
      const installed: string[] = [];
      try {
        for (const i of images.filter((i) => !i.reused)) {
          const node = i.nodes[0] ?? "";
          this.images.carry({ name: i.as, file: join(f.staging, `${i.name}.img`), parent: i.parent ?? i.name, from: { lab: manifest.lab, node }, memoryMiB: i.memoryMiB, carried: { lab: manifest.lab, image: i.name } });
          installed.push(i.as);
        }
        mkdirSync(dest, { recursive: true });
        for (const d of manifest.disks) {
          const node = lab.nodes.find((n) => n.name === d.node)!;
          const image = resolveImage(this.engine.root, node.image);
          const staged = join(f.staging, `${d.node}.cow`);
          rebaseCow(staged, image);
          const disk = new NodeDisk(dest, d.node);
          renameSync(staged, disk.cow);
          writeFileSync(disk.record, `${image}\n`);
        }
        const files = new ExtraDisks(dest);
        if (manifest.extra?.length) mkdirSync(files.dir, { recursive: true });
        for (const d of manifest.extra ?? []) renameSync(join(f.staging, "extra", `${d.name}.img`), files.file(d.name));
      } catch (e) {
        for (const name of installed) removeMergedImage(this.engine.root, name);
        throw e;
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

/** The lab.yaml with each node that boots a carried image on that image's name here. */
function renamed(definition: string, images: PlacedImage[]): string {
  const moves = images.flatMap((i) => i.nodes.map((n) => [n, i.as] as const));
  const lab = parseLabYaml(definition, "lab.yaml (in the archive)");
  if (!moves.some(([node, as]) => lab.nodes.find((n) => n.name === node && n.image !== as))) return definition;
  const to = new Map(moves);
  return serializeLabYaml({ ...lab, nodes: lab.nodes.map((n) => (to.has(n.name) ? { ...n, image: to.get(n.name)! } : n)) });
}
