import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { KatharaImportResult } from "../api/kathara-service";
import { archiveKind, readArchive, readFolder } from "../labfile/archive";

/** A request to the umlab server: a 2xx answer, or it throws with the server's message. */
export type ServerRequest = (path: string, init?: RequestInit) => Promise<Response>;

const CONTENT_TYPE = { zip: "application/zip", "tar.gz": "application/gzip", tar: "application/x-tar" } as const;

/**
 * `umlab import PATH` for Kathará labs: a folder holding lab.conf, or a .zip,
 * .tar.gz or .tar (told by its first bytes). Null when PATH is neither, for
 * the caller to read it as a lab.yaml.
 */
export async function importKathara(path: string, name: string | undefined, request: ServerRequest): Promise<KatharaImportResult | null> {
  const query = (file: string) => `/api/labs/import/kathara?${new URLSearchParams({ file, ...(name ? { name } : {}) })}`;
  const post = async (file: string, body: BodyInit, type?: string) =>
    (await (await request(query(file), { method: "POST", body, headers: type ? { "content-type": type } : {} })).json()) as KatharaImportResult;
  let folder: boolean;
  try {
    folder = statSync(path).isDirectory();
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
  if (folder) {
    if (!existsSync(join(path, "lab.conf"))) throw new Error(`${path} has no lab.conf: it is not a Kathará lab folder`);
    const { files, skipped } = readFolder(path);
    const form = new FormData();
    for (const [p, bytes] of Object.entries(files)) form.append("file", new Blob([new Uint8Array(bytes)]), p);
    const result = await post(basename(resolve(path)), form);
    return { ...result, warnings: [...skipped, ...result.warnings] };
  }
  const bytes = readFileSync(path);
  const kind = archiveKind(bytes);
  return kind ? post(basename(path), new Uint8Array(bytes), CONTENT_TYPE[kind]) : null;
}

/**
 * `umlab export LAB --kathara [-o FILE|DIR]`: a .tar.gz (FILE.zip: a .zip)
 * or, for a DIR (a path without those endings, new or empty), the lab
 * folder's files written into it. Without -o: NAME.tar.gz here. Says what it wrote.
 */
export async function exportKathara(lab: string, out: string | undefined, request: ServerRequest): Promise<string> {
  const zip = !!out && /\.zip$/i.test(out);
  const res = await request(`/api/labs/${encodeURIComponent(lab)}/export?format=kathara${zip ? "&archive=zip" : ""}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const fileName = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? `${lab}.tar.gz`;
  if (!out || zip || /\.(tar\.gz|tgz)$/i.test(out)) {
    const file = out ?? fileName;
    writeFileSync(file, bytes);
    return `wrote ${file}`;
  }
  if (existsSync(out) && (!statSync(out).isDirectory() || readdirSync(out).length)) throw new Error(`${out} exists and is not an empty folder: name a new one`);
  const { files } = await readArchive(bytes);
  for (const [p, content] of Object.entries(files)) {
    const target = join(out, p.slice(p.indexOf("/") + 1));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  return `wrote the Kathará lab folder ${out} (${Object.keys(files).length} files)`;
}
