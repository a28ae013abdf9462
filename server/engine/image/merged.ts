import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isValidName } from "../../model/names";
import { runHostProgram } from "../host";
import { imageBytes } from "./size";

/**
 * An image made from a node's disk: its COW folded over the image under it
 * (uml_moo, into a new file: the old image and every COW over it stay
 * valid), kept with the name of its parent image and the node it came from.
 * An image a lab archive carried is installed the same way (`carried`).
 */
export interface MergedImage {
  name: string;
  /** The image the node's disk lay over. */
  parent: string;
  from: { lab: string; node: string };
  createdAt: string;
  /** The memory nodes of it need at least: its parent's. */
  memoryMiB: number;
  /** An image that came in a lab archive (installed like a merged one): the archive's lab, and the image's name there. */
  carried?: { lab: string; image: string };
  file: string;
  bytes: number;
}

type Record = Omit<MergedImage, "file" | "bytes">;

/** Under the data root, never in the shared images folder: a merged image is a lab owner's, not a recipe's. */
export const mergedDir = (root: string) => join(root, "merged-images");

export function mergedImage(root: string, name: string): MergedImage | undefined {
  if (!isValidName(name)) return undefined;
  const file = join(mergedDir(root), `${name}.img`);
  try {
    const rec = JSON.parse(readFileSync(join(mergedDir(root), `${name}.json`), "utf8")) as Record;
    if (rec.name !== name || !existsSync(file)) return undefined;
    return { ...rec, file, bytes: imageBytes(file) };
  } catch {
    return undefined;
  }
}

export function mergedImages(root: string): MergedImage[] {
  if (!existsSync(mergedDir(root))) return [];
  return readdirSync(mergedDir(root))
    .flatMap((f) => /^([a-z][a-z0-9-]*)\.json$/.exec(f)?.[1] ?? [])
    .flatMap((n) => mergedImage(root, n) ?? [])
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function removeMergedImage(root: string, name: string): boolean {
  if (!mergedImage(root, name)) return false;
  rmSync(join(mergedDir(root), `${name}.img`), { force: true });
  rmSync(join(mergedDir(root), `${name}.json`), { force: true });
  return true;
}

/**
 * Folds `cow` over `backing` into the new image `name`: uml_moo writes a
 * whole file system, so it is then copied sparse (its unused blocks take no
 * disk). The caller checked the name is free and the node is stopped or
 * frozen.
 */
export async function mergeDisk(root: string, req: { name: string; cow: string; backing: string; parent: string; from: { lab: string; node: string }; memoryMiB: number }): Promise<MergedImage> {
  if (!isValidName(req.name)) throw named("BadRequestError", `"${req.name}" is not a valid image name: 1-31 lower-case letters, digits and "-", starting with a letter`);
  const dir = mergedDir(root);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${req.name}.moo`);
  const sparse = join(dir, `.${req.name}.img`);
  try {
    // -b: the image as the engine knows it, whatever path the COW's header holds (it was written inside the guest's sandbox).
    await runHostProgram("uml_moo", ["-b", req.backing, req.cow, tmp]);
    await runHostProgram("cp", ["--sparse=always", "--", tmp, sparse]);
    return registerImage(root, { name: req.name, parent: req.parent, from: req.from, createdAt: new Date().toISOString(), memoryMiB: req.memoryMiB }, sparse);
  } finally {
    rmSync(tmp, { force: true });
    rmSync(sparse, { force: true });
  }
}

/**
 * Moves `file` (on the data root's file system) in as image `rec.name`,
 * with its record: a merged image, or one a lab archive carried. The
 * caller checked the name is free.
 */
export function registerImage(root: string, rec: Record, file: string): MergedImage {
  if (!isValidName(rec.name)) throw named("BadRequestError", `"${rec.name}" is not a valid image name: 1-31 lower-case letters, digits and "-", starting with a letter`);
  mkdirSync(mergedDir(root), { recursive: true });
  // Guests run as another user (sandbox.ts): they must read it.
  chmodSync(file, 0o644);
  renameSync(file, join(mergedDir(root), `${rec.name}.img`));
  writeFileSync(join(mergedDir(root), `${rec.name}.json`), JSON.stringify(rec));
  return mergedImage(root, rec.name)!;
}

const named = (name: string, message: string) => Object.assign(new Error(message), { name });
