import { exportArchive } from "@/server/api/archive-service";
import { exportKatharaArchive } from "@/server/api/kathara-service";
import { BadRequestError } from "@/server/api/http";
import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

/**
 * The lab's lab.yaml; with ?format=kathara its Kathará folder as a .tar.gz
 * (&archive=zip: a .zip); with ?format=archive the whole lab, disks too, as a .umlab file
 * (&images=1: and the images it boots).
 */
export const GET = handler<{ lab: string }>(async (svc, req, { lab }, who) => {
  const params = new URL(req.url).searchParams;
  const format = params.get("format") ?? "yaml";
  if (format === "kathara") {
    const { fileName, contentType, bytes } = await exportKatharaArchive(svc, who, lab, params.get("archive"));
    return new Response(new Uint8Array(bytes), { headers: { "content-type": contentType, "content-disposition": `attachment; filename="${fileName}"` } });
  }
  if (format === "archive") return exportArchive(svc, who, lab, params.get("images") === "1");
  if (format !== "yaml") throw new BadRequestError(`format=${format}: use yaml, kathara or archive`);
  const { name, yaml } = await svc.exportYaml(who, lab);
  return new Response(yaml, {
    headers: { "content-type": "application/yaml; charset=utf-8", "content-disposition": `attachment; filename="${name}.yaml"` },
  });
});
