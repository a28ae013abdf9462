import { importKathara, katharaUpload } from "@/server/api/kathara-service";
import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

/**
 * Creates a lab from a Kathará lab folder: a .zip or .tar.gz as the body, or
 * multipart/form-data of the folder's files named by their relative paths.
 * `?name=` names the lab; without it the name comes from `?file=` (the
 * archive's name), the archive's top folder or LAB_NAME. 201 { lab, warnings }.
 */
export const POST = handler(async (svc, req, _p, who) => {
  const params = new URL(req.url).searchParams;
  const upload = await katharaUpload(req);
  const result = await importKathara(svc, who, upload, { name: params.get("name") ?? undefined, file: params.get("file") ?? undefined });
  return Response.json(result, { status: 201 });
});
