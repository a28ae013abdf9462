import { FileSet, MAX_LAB_BYTES, readArchive, writeTarGz, writeZip, type LabFiles } from "../labfile/archive";
import { exportKathara, parseKathara } from "../labfile/kathara";
import type { Principal } from "../auth/permissions";
import { BadRequestError } from "./http";
import { cappedBytes } from "./route";
import type { LabDetail, LabService } from "./lab-service";

/**
 * Kathará lab folders in and out of the HTTP API: an upload (an archive as
 * the body, or a multipart form of the folder's files) becomes a new lab,
 * with what the import could not carry over as warnings; a lab goes out as
 * a .tar.gz (or .zip) of its Kathará folder.
 */

/** An upload may exceed the lab's own cap by its framing (multipart boundaries, archive headers). */
const MAX_UPLOAD_BYTES = MAX_LAB_BYTES + 16 * 1024 * 1024;

export interface KatharaImportResult {
  lab: LabDetail;
  warnings: string[];
}

async function readBody(req: Request): Promise<Buffer> {
  const body = await cappedBytes(req, MAX_UPLOAD_BYTES, "the upload");
  if (!body) throw new BadRequestError("the request has no body: send the lab's archive or its files");
  return body;
}

export async function katharaUpload(req: Request): Promise<LabFiles> {
  const body = await readBody(req);
  const type = req.headers.get("content-type") ?? "";
  if (!type.startsWith("multipart/form-data")) return readArchive(body);
  const form = await new Response(new Uint8Array(body), { headers: { "content-type": type } }).formData().catch(() => {
    throw new BadRequestError("the multipart form could not be read");
  });
  const set = new FileSet();
  for (const [, value] of form) if (typeof value !== "string") set.add(value.name, new Uint8Array(await value.arrayBuffer()));
  if (!Object.keys(set.files).length) throw new BadRequestError("the form has no file: send the lab folder's files, each named by its path in the folder");
  return set.result();
}

/** A new lab from a Kathará folder; `name` is checked as given, else one is made from `file` (the archive's or folder's name). */
export async function importKathara(svc: LabService, who: Principal, upload: LabFiles, options: { name?: string; file?: string }): Promise<KatharaImportResult> {
  const images = (await svc.engine.imageList()).images.map((i) => i.name);
  const { raw, warnings } = parseKathara(upload.files, { name: options.name || undefined, nameHint: options.file || undefined, images });
  return { lab: await svc.createRaw(who, raw), warnings: [...upload.skipped, ...warnings] };
}

export async function exportKatharaArchive(svc: LabService, who: Principal, ref: string, archive: string | null): Promise<{ fileName: string; contentType: string; bytes: Uint8Array }> {
  if (archive !== null && archive !== "tar.gz" && archive !== "zip") throw new BadRequestError(`archive=${archive}: use tar.gz or zip`);
  const { name, lab } = await svc.mine(who, ref);
  const files = exportKathara(lab);
  if (archive === "zip") return { fileName: `${name}.zip`, contentType: "application/zip", bytes: writeZip(files, name) };
  return { fileName: `${name}.tar.gz`, contentType: "application/gzip", bytes: await writeTarGz(files, name) };
}
