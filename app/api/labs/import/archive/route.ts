import { importArchive } from "@/server/api/archive-service";
import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

/**
 * Creates a lab from a whole-lab archive (GET /api/labs/:lab/export?format=archive)
 * as the body: its definition, its nodes' disks and any images it carries.
 * `?name=` names the lab. 201 with the lab, `disks` (the nodes whose disks
 * came) and `images` (each carried image reused or installed as `as`); 400
 * with the reason for a bad or hostile archive, or one over images this
 * umlab lacks and the archive does not carry.
 */
export const POST = handler(async (svc, req, _p, who) => {
  const name = new URL(req.url).searchParams.get("name") ?? undefined;
  return Response.json(await importArchive(svc, who, req.body, name), { status: 201 });
});
