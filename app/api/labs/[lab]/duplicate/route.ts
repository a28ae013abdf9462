import { z } from "zod";
import { handler, jsonBody } from "@/server/api/route";

export const dynamic = "force-dynamic";

const duplicateBody = z.strictObject({ name: z.string() });

/** Copies the lab's definition under a new name (JSON { name }); disks are not copied. */
export const POST = handler<{ lab: string }>(async (svc, req, { lab }, who) => {
  const { name } = duplicateBody.parse(await jsonBody(req));
  return Response.json(await svc.duplicate(who, lab, name), { status: 201 });
});
