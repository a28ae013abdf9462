import { z } from "zod";
import { diskActionSchema } from "@/server/engine/api";
import { handler, jsonBody } from "@/server/api/route";

export const dynamic = "force-dynamic";

const body = z.strictObject({ disk: z.string().min(1).max(64), action: diskActionSchema });

/** POST /api/labs/:lab/nodes/:node/disks with { disk, action: "plug" | "unplug" }: one of the lab's disks into or out of a running node. */
export const POST = handler<{ lab: string; node: string }>(async (svc, req, p, who) => {
  const { disk, action } = body.parse(await jsonBody(req));
  return svc.diskAction(who, p.lab, p.node, disk, action);
});
