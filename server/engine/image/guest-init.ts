import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { hostProgram } from "../host";
import { toolsDir } from "../paths";

const SOURCE = join(import.meta.dirname, "guest", "umlab-init.c");

/**
 * Every guest's /init (guest/umlab-init.c), a static binary built on first
 * use with the host's C compiler and cached under the data root by the hash
 * of its source. Static, so it runs in any image whatever libc it has.
 */
export function guestInit(root: string): string {
  const source = readFileSync(SOURCE);
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 12);
  const out = join(toolsDir(root), `umlab-init-${hash}`);
  if (existsSync(out)) return out;
  mkdirSync(toolsDir(root), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  execFileSync(hostProgram("cc"), ["-static", "-Os", "-s", "-o", tmp, SOURCE], { stdio: "pipe" });
  renameSync(tmp, out);
  return out;
}
