import { z } from "zod";
import { handler, jsonBody } from "@/server/api/route";
import { reset } from "@/server/api/snapshot-service";

export const dynamic = "force-dynamic";

const body = z.strictObject({ node: z.string().max(64).nullable().optional() });

/** Fresh disks (JSON { node? }): every node's, or one node's; what ran runs again. */
export const POST = handler<{ lab: string }>(async (svc, req, { lab }, who) => {
  const { node } = body.parse(await jsonBody(req));
  return reset(svc, who, lab, node ?? null);
});
