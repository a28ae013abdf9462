import { busyboxImage } from "./busybox";
import { builtImages, debianPlan } from "./debian";
import { mergedImage, mergedImages } from "./merged";
import { debianRecipe, debianRecipes, type DebianRecipe } from "./recipes";
import { buildRecipe, userRecipe, userRecipes } from "./user-recipes";

export class ImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageError";
  }
}

/** umlab's own images: no user recipe takes their names. */
export function builtinImageNames(): string[] {
  return ["busybox", ...debianRecipes.map((r) => r.name)];
}

/** umlab's images, then the users' recipes, then images merged from nodes' disks. */
export function imageNames(root: string): string[] {
  return [...builtinImageNames(), ...userRecipes(root).map((r) => r.name), ...mergedImages(root).map((m) => m.name)];
}

/** The recipe a Debian image is built from: umlab's, or a user's (undefined for busybox and unknown names). */
export function imageRecipe(root: string, name: string): DebianRecipe | undefined {
  const builtin = debianRecipe(name);
  if (builtin) return builtin;
  const mine = userRecipe(root, name);
  return mine && buildRecipe(mine);
}

/** Throws an ImageError for a name no recipe builds. */
export function assertImageKnown(root: string, name: string): void {
  if (name === "busybox" || imageRecipe(root, name) || mergedImage(root, name)) return;
  throw new ImageError(`image "${name}" is not available (available: ${imageNames(root).join(", ")}); an image of your own is a recipe: \`umlab image add ${name} --packages ...\` or the labs page`);
}

/**
 * The file of an image. busybox is built on first use (milliseconds);
 * a Debian image must have been built (a minute or so, in the background):
 * the one of the current recipe, else the newest older one, so a failed
 * or running rebuild never takes a usable image away.
 */
export function resolveImage(root: string, name: string): string {
  assertImageKnown(root, name);
  if (name === "busybox") return busyboxImage(root);
  const merged = mergedImage(root, name);
  if (merged) return merged.file;
  const recipe = imageRecipe(root, name)!;
  const current = debianPlan(root, recipe);
  const built = builtImages(root, name);
  const image = built.find((b) => b.id === current.id) ?? built[0];
  if (!image) throw new ImageError(`image "${name}" is not built yet: build it with \`umlab image build ${name}\` or from the labs page (about a minute)`);
  return image.file;
}
