import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { hostProgram } from "./host";
import { toolsDir } from "./paths";

/**
 * A small LD_PRELOAD helper built from its C source on first use and cached
 * under the data root as `<name>-<hash of the source>.so`: a changed source
 * is a new file, never one rebuilt under a running process.
 */
export function preloadLibrary(root: string, source: string, name: string, cflags: string[] = []): string {
  const hash = createHash("sha256").update(readFileSync(source)).digest("hex").slice(0, 12);
  const out = join(toolsDir(root), `${name}-${hash}.so`);
  if (existsSync(out)) return out;
  mkdirSync(toolsDir(root), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  execFileSync(hostProgram("cc"), ["-O2", ...cflags, "-shared", "-fPIC", "-o", tmp, source, "-ldl"], { stdio: "pipe" });
  renameSync(tmp, out);
  return out;
}
