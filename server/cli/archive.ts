import { createReadStream, createWriteStream, statSync } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { LabDetail } from "../api/lab-service";
import type { ServerRequest } from "./kathara";

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

/** `umlab export LAB --archive [-o FILE]`: the whole lab, disks too, into FILE (LAB.umlab). */
export async function exportArchiveCli(lab: string, out: string | undefined, request: ServerRequest): Promise<string> {
  const res = await request(`/api/labs/${encodeURIComponent(lab)}/export?format=archive`);
  const file = out ?? `${lab}.umlab`;
  await pipeline(Readable.fromWeb(res.body! as import("node:stream/web").ReadableStream), createWriteStream(file, { flags: "wx" }));
  const disks = res.headers.get("x-umlab-disks") || "none";
  return `wrote ${file}: ${mib(statSync(file).size)}, the disks of ${disks} (${mib(Number(res.headers.get("x-umlab-disk-bytes")))} on disk, ${mib(Number(res.headers.get("x-umlab-apparent-bytes")))} apparent)`;
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
  const lab = (await res.json()) as LabDetail & { disks: string[] };
  return `imported lab ${lab.name} (${lab.nodes} nodes, ${lab.switches} switches) with the disks of ${lab.disks.join(", ") || "no node"}`;
}
