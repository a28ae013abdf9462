import { statSync } from "node:fs";

/** Bytes an image file takes on disk: images are sparse, so not its length. */
export function imageBytes(file: string): number {
  return statSync(file).blocks * 512;
}
