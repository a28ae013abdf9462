import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { hostProgram } from "../host";
import { kernelsDir } from "../paths";
import type { Kernel } from "./kernels";

/**
 * A kernel's loadable modules as a read-only ext2 disk, shared by every node
 * booting that kernel; the guest mounts it on /lib/modules. Any image then
 * works with any kernel, and no image is rebuilt when a kernel is. Built once
 * per kernel, rootlessly (`mke2fs -d`); null for a kernel without modules.
 */
export function modulesDisk(root: string, kernel: Kernel): string | null {
  const image = modulesDiskFile(root, kernel);
  if (!image || existsSync(image)) return image;
  const modules = kernel.modules!;
  const tree = join(modules, kernel.release);
  const dir = kernelsDir(root);
  mkdirSync(dir, { recursive: true });
  const kib = Math.ceil((treeBytes(tree) * 1.3) / 1024) + 8192;
  const tmp = `${image}.${process.pid}.tmp`;
  try {
    // The disk's root is the modules folder itself, so the release's folder sits at /lib/modules/<release>.
    execFileSync(hostProgram("mke2fs"), ["-q", "-F", "-t", "ext2", "-E", "root_owner=0:0", "-d", modules, tmp, `${kib}K`], { stdio: "pipe" });
    renameSync(tmp, image);
  } finally {
    rmSync(tmp, { force: true });
  }
  return image;
}

/** Where a kernel's modules disk is, built or not; null for a kernel without modules. */
export function modulesDiskFile(root: string, kernel: Kernel): string | null {
  if (!kernel.modules || !existsSync(join(kernel.modules, kernel.release))) return null;
  const tree = join(kernel.modules, kernel.release);
  const stamp = createHash("sha256").update(`${kernel.binary} ${kernel.release} ${statSync(tree).mtimeMs} ${statSync(kernel.binary).mtimeMs}`).digest("hex").slice(0, 12);
  return join(kernelsDir(root), `modules-${kernel.name}-${kernel.release}-${stamp}.img`);
}

function treeBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += treeBytes(p) + 4096;
    else if (e.isFile()) total += Math.ceil(statSync(p).size / 4096) * 4096 + 4096;
    else total += 4096;
  }
  return total;
}
