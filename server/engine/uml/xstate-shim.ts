import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { hostProgram } from "../host";
import { toolsDir } from "../paths";

const SOURCE = join(import.meta.dirname, "xstate-shim.c");

/**
 * The shared object linux.uml is started with (LD_PRELOAD), built from
 * xstate-shim.c on first use and cached under the data root by the hash of
 * its source. It passes every call through unchanged on hosts that do not
 * need it, so every guest is started the same way.
 */
export function xstateShim(root: string): string {
  const source = readFileSync(SOURCE);
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 12);
  const out = join(toolsDir(root), `uml-xstate-${hash}.so`);
  if (existsSync(out)) return out;
  mkdirSync(toolsDir(root), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  execFileSync(hostProgram("cc"), ["-O2", "-shared", "-fPIC", "-o", tmp, SOURCE, "-ldl"], { stdio: "pipe" });
  renameSync(tmp, out);
  return out;
}
