import { z } from "zod";
import { handler, jsonBody } from "@/server/api/route";
import { rollback } from "@/server/api/snapshot-service";

export const dynamic = "force-dynamic";

const body = z.strictObject({ node: z.string().max(64).nullable().optional() });

/** Back to the snapshot (JSON { node? }): the whole lab, or one node's disk; what ran runs again. */
export const POST = handler<{ lab: string; snapshot: string }>(async (svc, req, { lab, snapshot }, who) => {
  const { node } = body.parse(await jsonBody(req));
  return rollback(svc, who, lab, snapshot, node ?? null);
});
