import { busyboxImage } from "./busybox";
import { builtImages, debianPlan } from "./debian";
import { debianRecipe, debianRecipes } from "./recipes";

export class ImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageError";
  }
}

export function imageNames(): string[] {
  return ["busybox", ...debianRecipes.map((r) => r.name)];
}

/** Throws an ImageError for a name no recipe builds. */
export function assertImageKnown(name: string): void {
  if (!imageNames().includes(name)) throw new ImageError(`image "${name}" is not available (available: ${imageNames().join(", ")})`);
}

/**
 * The file of an image. busybox is built on first use (milliseconds);
 * a Debian image must have been built (a minute or so, in the background):
 * the one of the current recipe, else the newest older one, so a failed
 * or running rebuild never takes a usable image away.
 */
export function resolveImage(root: string, name: string): string {
  assertImageKnown(name);
  if (name === "busybox") return busyboxImage(root);
  const recipe = debianRecipe(name)!;
  const current = debianPlan(root, recipe);
  const built = builtImages(root, name);
  const image = built.find((b) => b.id === current.id) ?? built[0];
  if (!image) throw new ImageError(`image "${name}" is not built yet: build it with \`umlab image build ${name}\` or from the labs page (about a minute)`);
  return image.file;
}
