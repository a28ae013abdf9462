import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Node, Shared } from "../../model/lab";
import { hostProgram } from "../host";

const run = promisify(execFile);
const AGENT = join(import.meta.dirname, "..", "uml", "agent.sh");
/** Read once: every node start writes it. */
let agentScript: Buffer | undefined;

/**
 * Packs what a node needs at boot onto a small read-only ext2 disk (the
 * guest sees it as /dev/ubdb): the lab's shared startup script and files,
 * the node's own, and the exec agent. A disk rather than hostfs, because hostfs lets guest root read
 * any host file.
 */
export async function buildConfigDisk(node: Node, shared: Shared, folder: string, image: string): Promise<void> {
  const tree = join(folder, "config");
  rmSync(tree, { recursive: true, force: true });
  // Overlay folders only when there is something in them: the guest copies each one it finds (a fork and an exec).
  mkdirSync(tree, { recursive: true });
  writeFileSync(join(tree, "node"), `${node.name}\n`);
  writeFileSync(join(tree, "role"), `${node.role}\n`);
  agentScript ??= readFileSync(AGENT);
  writeFileSync(join(tree, "agent"), agentScript);
  const script = (name: string, text: string) => text && writeFileSync(join(tree, name), text.endsWith("\n") ? text : `${text}\n`);
  script("shared.startup", shared.startup);
  script("startup", node.startup);
  let bytes = writeOverlay(join(tree, "shared"), shared.files);
  bytes += writeOverlay(join(tree, "files"), node.files);
  const kib = Math.max(1024, Math.ceil((bytes * 2) / 1024) + 512);
  rmSync(image, { force: true });
  // Not synchronous: with hundreds of guests booting, mke2fs waits its turn for a core, and the server must not wait with it.
  await run(hostProgram("mke2fs"), ["-q", "-F", "-t", "ext2", "-E", "root_owner=0:0", "-d", tree, image, `${kib}K`]);
  statSync(image);
}

/** Files to copy over the guest's root; returns about how many bytes they take on disk. */
function writeOverlay(dir: string, files: Record<string, string>): number {
  let bytes = 0;
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content, { mode: content.startsWith("#!") ? 0o755 : 0o644 });
    bytes += Buffer.byteLength(content) + 4096;
  }
  return bytes;
}
