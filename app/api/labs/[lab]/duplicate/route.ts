import { z } from "zod";
import { handler, jsonBody } from "@/server/api/route";
import { cloneWithDisks } from "@/server/api/snapshot-service";

export const dynamic = "force-dynamic";

const duplicateBody = z.strictObject({ name: z.string(), disks: z.boolean().optional() });

/** Copies the lab's definition under a new name (JSON { name, disks? }); with `disks: true` its disks as they are now too. */
export const POST = handler<{ lab: string }>(async (svc, req, { lab }, who) => {
  const { name, disks } = duplicateBody.parse(await jsonBody(req));
  return Response.json(disks ? await cloneWithDisks(svc, who, lab, name) : await svc.duplicate(who, lab, name), { status: 201 });
});
