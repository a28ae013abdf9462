import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";

/** For tests: a gzipped tar made entry by entry, as a hostile archive would be (any names, links, sizes). */
export async function craftedArchive(entries: { name: string; data?: string | Buffer; type?: "file" | "symlink" | "directory"; linkname?: string; size?: number }[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => void chunks.push(c as Buffer));
  for (const e of entries) p.entry({ name: e.name, type: e.type ?? "file", linkname: e.linkname, size: e.size }, e.data ?? "");
  p.finalize();
  await new Promise<void>((r) => p.on("end", () => r()));
  return gzipSync(Buffer.concat(chunks));
}
