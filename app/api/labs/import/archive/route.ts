import { importArchive } from "@/server/api/archive-service";
import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

/**
 * Creates a lab from a whole-lab archive (GET /api/labs/:lab/export?format=archive)
 * as the body: its definition and its nodes' disks. `?name=` names the lab.
 * 201 with the lab and `disks` (the nodes whose disks came); 400 with the
 * reason for a bad or hostile archive, or one whose images this umlab lacks.
 */
export const POST = handler(async (svc, req, _p, who) => {
  const name = new URL(req.url).searchParams.get("name") ?? undefined;
  return Response.json(await importArchive(svc, who, req.body, name), { status: 201 });
});
