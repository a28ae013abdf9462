import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { hostProgram } from "./host";
import { toolsDir } from "./paths";

/**
 * A small C helper built with the host's compiler on first use and cached
 * under the data root as `<name>-<hash of the source><suffix>`: a changed
 * source is a new file, never one rebuilt under a running process.
 */
export function builtHelper(root: string, source: string, name: string, suffix: string, ccArgs: string[], libs: string[] = []): string {
  const hash = createHash("sha256").update(readFileSync(source)).digest("hex").slice(0, 12);
  const out = join(toolsDir(root), `${name}-${hash}${suffix}`);
  if (existsSync(out)) return out;
  mkdirSync(toolsDir(root), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  execFileSync(hostProgram("cc"), [...ccArgs, "-o", tmp, source, ...libs], { stdio: "pipe" });
  renameSync(tmp, out);
  return out;
}

/** An LD_PRELOAD helper (a shared object), as builtHelper builds it. */
export function preloadLibrary(root: string, source: string, name: string, cflags: string[] = []): string {
  return builtHelper(root, source, name, ".so", ["-O2", ...cflags, "-shared", "-fPIC"], ["-ldl"]);
}
