"use client";
import type { ImageInfo, ImageStatus } from "@/server/engine/build/image-service";
import type { KernelBuildState, KernelInfo } from "@/server/engine/build/kernel-service";
import type { LabDetail, LabSummary, LinkRequest } from "@/server/api/lab-service";
import type { ScenarioView } from "@/server/api/scenario-service";
import type { ShareView } from "@/server/api/share-service";
import type { SnapshotList } from "@/server/api/snapshot-service";
import type { CaptureInfo, CaptureRequest } from "@/server/engine/capture/types";
import type { SnapshotInfo } from "@/server/engine/disk/snapshots";
import type { LabStatus } from "@/server/engine/lab-run";
import type { ImageRecipeInput } from "@/server/model/image-recipe";
import type { RawLab } from "@/server/model/lab";
import type { ShareInfo, ShareRequest } from "@/server/model/share";

/** What the API says when it refuses: a message, and for lab files every problem. */
export class ApiFailure extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly problems?: unknown,
  ) {
    super(message);
  }
}

export async function call<T>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? undefined : { "content-type": contentType },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return answer<T>(res, method, path);
}

/** A request whose body the browser encodes itself (a form, a file). */
async function upload<T>(path: string, body: FormData | Blob, contentType?: string): Promise<T> {
  const res = await fetch(path, { method: "POST", headers: contentType ? { "content-type": contentType } : undefined, body });
  return answer<T>(res, "POST", path);
}

async function answer<T>(res: Response, method: string, path: string): Promise<T> {
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const e = (data ?? {}) as { error?: string; problems?: unknown };
    throw new ApiFailure(e.error ?? `${method} ${path}: HTTP ${res.status}`, res.status, e.problems);
  }
  return data as T;
}

export type KatharaImport = { lab: LabDetail; warnings: string[] };

const lab = (ref: string) => `/api/labs/${encodeURIComponent(ref)}`;

export const api = {
  list: () => call<LabSummary[]>("GET", "/api/labs"),
  get: (ref: string) => call<LabDetail>("GET", lab(ref)),
  create: (raw: RawLab) => call<LabDetail>("POST", "/api/labs", { lab: raw }),
  importYaml: (text: string, file: string) => call<LabDetail>("POST", `/api/labs?file=${encodeURIComponent(file)}`, text, "application/yaml"),
  save: (ref: string, raw: RawLab) => call<LabDetail>("PUT", lab(ref), { lab: raw }),
  duplicate: (ref: string, name: string) => call<LabDetail>("POST", `${lab(ref)}/duplicate`, { name }),
  remove: (ref: string) => call<{ ok: true }>("DELETE", lab(ref)),
  snapshots: (ref: string) => call<SnapshotList>("GET", `${lab(ref)}/snapshots`),
  takeSnapshot: (ref: string, name: string, node: string | null) => call<SnapshotInfo>("POST", `${lab(ref)}/snapshots`, { name, node }),
  rollback: (ref: string, snapshot: string, node: string | null) => call<LabStatus>("POST", `${lab(ref)}/snapshots/${encodeURIComponent(snapshot)}/rollback`, { node }),
  shares: (ref: string) => call<{ lab: string; shares: ShareInfo[] }>("GET", `${lab(ref)}/shares`),
  share: (ref: string, req: ShareRequest) => call<ShareInfo>("POST", `${lab(ref)}/shares`, req),
  revokeShare: (ref: string, share: string) => call<ShareInfo>("DELETE", `${lab(ref)}/shares/${encodeURIComponent(share)}`),
  viewShare: (token: string) => call<ShareView>("GET", `/api/share/${encodeURIComponent(token)}`),
  fork: (token: string, name?: string) => call<LabDetail & { disks: string[]; from: string }>("POST", `/api/share/${encodeURIComponent(token)}/fork`, name ? { name } : {}),
  removeSnapshot: (ref: string, snapshot: string) => call<SnapshotInfo>("DELETE", `${lab(ref)}/snapshots/${encodeURIComponent(snapshot)}`),
  mergeNode: (ref: string, node: string, image: string) => call<ImageInfo>("POST", `${lab(ref)}/nodes/${encodeURIComponent(node)}/merge`, { image }),
  reset: (ref: string, node: string | null) => call<LabStatus>("POST", `${lab(ref)}/reset`, { node }),
  start: (ref: string) => call<LabStatus>("POST", `${lab(ref)}/start`),
  stop: (ref: string) => call<LabStatus>("POST", `${lab(ref)}/stop`),
  nodeAction: (ref: string, node: string, action: "start" | "stop" | "restart" | "wipe" | "crash") =>
    call<LabStatus>("POST", `${lab(ref)}/nodes/${encodeURIComponent(node)}/${action}`),
  mconsole: (ref: string, node: string, cmd: { op: string; key?: string }) =>
    call<{ ok: boolean; text: string }>("POST", `${lab(ref)}/nodes/${encodeURIComponent(node)}/mconsole`, cmd),
  switchAction: (ref: string, sw: string, action: "pause" | "resume") =>
    call<LabStatus>("POST", `${lab(ref)}/switches/${encodeURIComponent(sw)}/${action}`),
  linkAction: (ref: string, node: string, iface: string, req: LinkRequest) =>
    call<LabStatus>("POST", `${lab(ref)}/links/${encodeURIComponent(node)}/${encodeURIComponent(iface)}`, req),
  /** Cuts or mends the serial cable on a line (NODE.ttySN, either end). */
  cableAction: (ref: string, line: string, action: "cut" | "mend") => call<LabStatus>("POST", `${lab(ref)}/cables/${encodeURIComponent(line)}`, { action }),
  /** One of the lab's disks into a running node's next free slot, or out of it. */
  diskAction: (ref: string, node: string, disk: string, action: "plug" | "unplug") => call<LabStatus>("POST", `${lab(ref)}/nodes/${encodeURIComponent(node)}/disks`, { disk, action }),
  captures: (ref: string) => call<{ captures: CaptureInfo[] }>("GET", `${lab(ref)}/captures`),
  startCapture: (ref: string, req: CaptureRequest) => call<CaptureInfo>("POST", `${lab(ref)}/captures`, req),
  stopCapture: (ref: string, id: string) => call<CaptureInfo>("POST", `${lab(ref)}/captures/${encodeURIComponent(id)}/stop`),
  deleteCapture: (ref: string, id: string) => call<void>("DELETE", `${lab(ref)}/captures/${encodeURIComponent(id)}`),
  /** The frames a capture holds, as pcapng (while it runs too). */
  pcapUrl: (ref: string, id: string) => `${lab(ref)}/captures/${encodeURIComponent(id)}/pcap`,
  scenario: (ref: string) => call<ScenarioView>("GET", `${lab(ref)}/scenario`),
  scenarioAction: (ref: string, action: "play" | "stop") => call<ScenarioView>("POST", `${lab(ref)}/scenario/${action}`),
  images: () => call<{ images: ImageInfo[]; rev: number }>("GET", "/api/images"),
  buildImage: (name: string) => call<ImageStatus>("POST", `/api/images/${encodeURIComponent(name)}/build`),
  /** A user's image recipe: Debian packages (and files) over the host image's tools; its build starts at once. */
  addImage: (recipe: ImageRecipeInput) => call<ImageStatus>("POST", "/api/images", recipe),
  removeImage: (name: string) => call<{ removed: string; cancelled: boolean; images: number }>("DELETE", `/api/images/${encodeURIComponent(name)}`),
  kernels: () => call<{ kernels: KernelInfo[]; build: KernelBuildState; rev: number }>("GET", "/api/kernels"),
  /** A custom kernel: umlab's configuration with this fragment merged after it. */
  buildKernel: (name: string, fragment: string) => call<{ build: KernelBuildState }>("POST", "/api/kernels/build", { name, fragment }),
  /** A Kathará lab: a folder's files (as picked with webkitdirectory, named by their relative paths) or an archive. */
  importKathara: (from: File[] | File) => {
    const path = "/api/labs/import/kathara";
    if (!Array.isArray(from)) {
      const type = /\.zip$/i.test(from.name) ? "application/zip" : /\.(tgz|gz)$/i.test(from.name) ? "application/gzip" : "application/octet-stream";
      return upload<KatharaImport>(`${path}?file=${encodeURIComponent(from.name)}`, from, type);
    }
    const form = new FormData();
    for (const f of from) form.append("file", f, f.webkitRelativePath || f.name);
    return upload<KatharaImport>(path, form);
  },
  exportUrl: (ref: string) => `${lab(ref)}/export`,
  archiveUrl: (ref: string, images = false) => `${lab(ref)}/export?format=archive${images ? "&images=1" : ""}`,
  importArchive: (f: File) => upload<LabDetail & { disks: string[] }>("/api/labs/import/archive", f, "application/gzip"),
  exportKatharaUrl: (ref: string) => `${lab(ref)}/export?format=kathara`,
  diagramUrl: (ref: string) => `${lab(ref)}/diagram.svg`,
};
