import { join } from "node:path";
import { preloadLibrary } from "../built-helper";

const SOURCE = join(import.meta.dirname, "xstate-shim.c");

/**
 * The shared object linux.uml is started with (LD_PRELOAD), built from
 * xstate-shim.c on first use and cached under the data root by the hash of
 * its source. It passes every call through unchanged on hosts that do not
 * need it, so every guest is started the same way.
 */
export function xstateShim(root: string): string {
  return preloadLibrary(root, SOURCE, "uml-xstate");
}
