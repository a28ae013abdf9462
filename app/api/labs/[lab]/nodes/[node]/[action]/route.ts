import { z } from "zod";
import { BadRequestError } from "@/server/api/http";
import { handler, jsonBody } from "@/server/api/route";
import { mergeNode } from "@/server/api/snapshot-service";
import { demand } from "@/server/auth/permissions";
import { mconsoleCommandSchema } from "@/server/engine/api";

export const dynamic = "force-dynamic";

const execBody = z.union([
  z.strictObject({ argv: z.array(z.string()).min(1), timeout: z.number().positive().max(3600).optional() }),
  z.strictObject({ script: z.string().min(1), timeout: z.number().positive().max(3600).optional() }),
]);
const mergeBody = z.strictObject({ image: z.string().max(64) });
/** POST /api/labs/:lab/nodes/:node/{start,stop,restart,wipe,crash,exec,mconsole,merge} */
export const POST = handler<{ lab: string; node: string; action: string }>(async (svc, req, { lab, node, action }, who, all) => {
  switch (action) {
    case "start":
    case "stop":
    case "restart":
    case "wipe":
    case "crash":
      return svc.nodeAction(who, lab, node, action);
    case "exec": {
      const body = execBody.parse(await jsonBody(req));
      return svc.exec(who, lab, node, body, body.timeout);
    }
    case "mconsole":
      return svc.mconsole(who, lab, node, mconsoleCommandSchema.parse(await jsonBody(req)));
    case "merge": {
      demand(who, "Image.Build", "making an image from a node's disk");
      const { image } = mergeBody.parse(await jsonBody(req));
      const made = await mergeNode(svc, who, lab, node, image);
      await all.owners.set("image", made.name, who.id);
      return Response.json(made, { status: 201 });
    }
    default:
      throw new BadRequestError(`unknown node action "${action}" (start, stop, restart, wipe, crash, exec, mconsole, merge)`);
  }
});
