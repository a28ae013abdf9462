import { busyboxImage } from "./busybox";

export class ImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageError";
  }
}

/** Images umlab can build by itself, by name. */
const recipes: Record<string, (root: string) => string> = {
  busybox: busyboxImage,
};

export function imageNames(): string[] {
  return Object.keys(recipes);
}

/** Throws an ImageError for a name no recipe builds. */
export function assertImageKnown(name: string): void {
  if (!recipes[name]) throw new ImageError(`image "${name}" is not available (available: ${imageNames().join(", ")})`);
}

/** The file of an image, built on first use; an unknown name is an ImageError. */
export function resolveImage(root: string, name: string): string {
  assertImageKnown(name);
  return recipes[name](root);
}
