import { join } from "node:path";
import { builtHelper } from "../built-helper";

const SOURCE = join(import.meta.dirname, "guest", "umlab-init.c");

/**
 * Every guest's /init (guest/umlab-init.c), a static binary built on first
 * use with the host's C compiler and cached under the data root by the hash
 * of its source. Static, so it runs in any image whatever libc it has.
 */
export function guestInit(root: string): string {
  return builtHelper(root, SOURCE, "umlab-init", "", ["-static", "-Os", "-s"]);
}
