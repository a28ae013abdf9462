import { statSync } from "node:fs";
import type { Lab } from "../model/lab";
import { isValidName } from "../model/names";
import { imageIdentity, type ArchiveSource, type CarriedImage } from "./disk/lab-archive";
import { builtinImageNames, imageNames, resolveImage } from "./image/images";
import { mergedImage } from "./image/merged";

/**
 * The images a lab archive carries, on both sides. Export: each distinct
 * image file under the lab's disks, and the image of each node with no disk
 * yet unless it is one of umlab's own (busybox, router, host, kathara: any
 * umlab builds those, and a fresh disk lies over whichever build it has).
 * Import: an image this umlab has already (the same size and SHA-256, under
 * any name) is used as it is; another is installed like a merged image,
 * under its name or, if that is taken, a new one (NAME-2, ...).
 */

export type ImageToCarry = NonNullable<ArchiveSource["images"]>[number];

/** What an import does with each carried image: the name it has here, and whether it was here already. */
export interface PlacedImage {
  name: string;
  as: string;
  reused: boolean;
  bytes: number;
  parent: string | null;
  memoryMiB: number;
  nodes: string[];
}

/** The images to carry for `lab`, whose disks lie over `disks` (node → image file). */
export async function imagesToCarry(root: string, lab: Lab, disks: Map<string, string>, memoryOf: (image: string) => number): Promise<ImageToCarry[]> {
  const byFile = new Map<string, { name: string; nodes: string[] }>();
  const names = new Set<string>();
  const add = (file: string, image: string, node: string) => {
    const known = byFile.get(file);
    if (known) return void known.nodes.push(node);
    // Two builds of one image under two disks: the second travels as NAME-2.
    const name = freeName(image, (n) => names.has(n));
    names.add(name);
    byFile.set(file, { name, nodes: [node] });
  };
  for (const n of lab.nodes) {
    const file = disks.get(n.name);
    if (file) add(file, n.image, n.name);
    else if (!builtinImageNames().includes(n.image)) {
      let image: string;
      try {
        image = resolveImage(root, n.image);
      } catch {
        continue; // not built (yet) here: nothing to carry
      }
      add(image, n.image, n.name);
    }
  }
  const out: ImageToCarry[] = [];
  for (const [file, { name, nodes }] of byFile) {
    const original = nodes.map((node) => lab.nodes.find((n) => n.name === node)!.image)[0];
    const { sha256 } = await imageIdentity(root, original, file);
    out.push({ name, file, sha256, memoryMiB: memoryOf(original), parent: mergedImage(root, original)?.parent ?? null, nodes });
  }
  return out;
}

/** This umlab's image that is the carried one (the same size and SHA-256), its own name tried first; undefined if none is. */
export async function imageHere(root: string, image: CarriedImage): Promise<string | undefined> {
  const names = imageNames(root);
  for (const name of [image.name, ...names.filter((n) => n !== image.name)]) {
    if (!names.includes(name)) continue;
    let file: string;
    try {
      file = resolveImage(root, name);
    } catch {
      continue; // not built here
    }
    if (statSync(file).size !== image.size) continue;
    if ((await imageIdentity(root, name, file)).sha256 === image.sha256) return name;
  }
  return undefined;
}

/** `name`, or NAME-2, NAME-3, ... (cut to stay a valid name): the first that `taken` says is free. */
export function freeName(name: string, taken: (name: string) => boolean): string {
  if (!taken(name)) return name;
  for (let k = 2; ; k++) {
    const suffix = `-${k}`;
    const candidate = `${name.slice(0, 31 - suffix.length).replace(/-+$/, "")}${suffix}`;
    if (isValidName(candidate) && !taken(candidate)) return candidate;
  }
}
