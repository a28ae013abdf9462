import { createReadStream, createWriteStream, statSync } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { LabDetail } from "../api/lab-service";
import type { ServerRequest } from "./kathara";

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

/** `umlab export LAB --archive [--images] [-o FILE]`: the whole lab, disks too (and the images it boots), into FILE (LAB.umlab). */
export async function exportArchiveCli(lab: string, out: string | undefined, request: ServerRequest, images = false): Promise<string> {
  const res = await request(`/api/labs/${encodeURIComponent(lab)}/export?format=archive${images ? "&images=1" : ""}`);
  const file = out ?? `${lab}.umlab`;
  await pipeline(Readable.fromWeb(res.body! as import("node:stream/web").ReadableStream), createWriteStream(file, { flags: "wx" }));
  const disks = res.headers.get("x-umlab-disks") || "none";
  const carried = (res.headers.get("x-umlab-images") || "").split(",").filter(Boolean).map((i) => i.split("="));
  const withImages = images ? (carried.length ? `; the images ${carried.map(([n, b]) => `${n} (${mib(Number(b))})`).join(", ")}` : "; no image to carry") : "";
  return `wrote ${file}: ${mib(statSync(file).size)}, the disks of ${disks} (${mib(Number(res.headers.get("x-umlab-disk-bytes")))} on disk, ${mib(Number(res.headers.get("x-umlab-apparent-bytes")))} apparent)${withImages}`;
}

/** `umlab import FILE.umlab [--name NAME]`: a lab with its disks. */
export async function importArchiveCli(path: string, name: string | undefined, request: ServerRequest): Promise<string> {
  const size = statSync(path).size;
  const res = await request(`/api/labs/import/archive${name ? `?name=${encodeURIComponent(name)}` : ""}`, {
    method: "POST",
    headers: { "content-type": "application/gzip", "content-length": String(size) },
    body: Readable.toWeb(createReadStream(path)) as ReadableStream,
    duplex: "half",
  } as RequestInit);
  const lab = (await res.json()) as LabDetail & { disks: string[]; images?: { name: string; as: string; reused: boolean; bytes: number }[] };
  const images = (lab.images ?? []).map((i) => (i.reused ? `${i.name} (this umlab's${i.as === i.name ? "" : ` ${i.as}`})` : `${i.name} (installed${i.as === i.name ? "" : ` as ${i.as}`}, ${mib(i.bytes)})`));
  return `imported lab ${lab.name} (${lab.nodes} nodes, ${lab.switches} switches) with the disks of ${lab.disks.join(", ") || "no node"}${images.length ? `; images ${images.join(", ")}` : ""}`;
}
