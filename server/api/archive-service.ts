import { randomBytes } from "node:crypto";
import { createReadStream, mkdirSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { Principal } from "../auth/permissions";
import { MAX_ARCHIVE_BYTES } from "../auth/http-guard";
import type { ArchiveSummary, UnpackedLab } from "../engine/lab-archives";
import { dataRoot, transferDir } from "../engine/paths";
import { parseLabYaml, serializeLabYaml } from "../labfile/labyaml";
import { BadRequestError, PayloadTooLargeError } from "./http";
import type { LabDetail, LabService } from "./lab-service";

/**
 * Whole-lab archives over the HTTP API: the engine writes and reads them as
 * files under the data root's transfer folder (so this works with the engine
 * on the same machine, not yet with one on another host); this streams them
 * to and from the client and makes the lab an import brings. With `images`,
 * the archive carries the images the lab boots; `x-umlab-images` lists them
 * as NAME=BYTES (the bytes of each that travel).
 */
export async function exportArchive(svc: LabService, who: Principal, ref: string, images = false): Promise<Response> {
  const s = await svc.mine(who, ref);
  const token = randomBytes(16).toString("hex");
  const summary: ArchiveSummary = await svc.engine.exportLabArchive(s.id, s.lab, token, images);
  const file = createReadStream(summary.file);
  // Gone once sent, or once the client went away.
  file.on("close", () => rmSync(summary.file, { force: true }));
  return new Response(Readable.toWeb(file) as ReadableStream, {
    headers: {
      "content-type": "application/gzip",
      "content-length": String(summary.bytes),
      "content-disposition": `attachment; filename="${s.name}.umlab"`,
      "x-umlab-disks": summary.disks.join(","),
      "x-umlab-disk-bytes": String(summary.diskBytes),
      "x-umlab-apparent-bytes": String(summary.apparentBytes),
      "x-umlab-images": summary.images.map((i) => `${i.name}=${i.bytes}`).join(","),
    },
  });
}

/**
 * A lab from an archive (the request's body), with its disks and the images
 * it carries (`images`: each reused as this umlab has it, or installed as
 * `as`); `name` renames it. Nothing is kept of a refused one.
 */
export async function importArchive(svc: LabService, who: Principal, body: ReadableStream<Uint8Array> | null, name?: string): Promise<LabDetail & { disks: string[]; images: UnpackedLab["images"] }> {
  if (!body) throw new BadRequestError("send the archive (a .umlab file) as the request body");
  const token = randomBytes(16).toString("hex");
  const dir = transferDir(dataRoot());
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    await saveCapped(body, join(dir, `${token}.umlab`), MAX_ARCHIVE_BYTES);
    const unpacked = await svc.engine.unpackLabArchive(token);
    const lab = { ...parseLabYaml(unpacked.definition, "lab.yaml (in the archive)"), ...(name ? { name } : {}) };
    const detail = await svc.importYaml(who, serializeLabYaml(lab));
    try {
      return { ...detail, disks: await svc.engine.adoptLabArchive(token, detail.id, lab), images: unpacked.images };
    } catch (e) {
      await svc.remove(who, detail.id).catch(() => {});
      throw e;
    }
  } finally {
    await svc.engine.dropLabArchive(token).catch(() => {});
  }
}

async function saveCapped(body: ReadableStream<Uint8Array>, file: string, cap: number): Promise<void> {
  const fh = await open(file, "wx", 0o600);
  let bytes = 0;
  try {
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      if (bytes > cap) throw new PayloadTooLargeError(`the archive is larger than ${cap / 1024 ** 3} GiB`);
      await fh.write(chunk);
    }
  } finally {
    await fh.close();
  }
}
