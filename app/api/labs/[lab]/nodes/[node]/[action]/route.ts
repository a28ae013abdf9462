import { z } from "zod";
import { BadRequestError } from "@/server/api/http";
import { handler, jsonBody } from "@/server/api/route";
import { mconsoleCommandSchema } from "@/server/engine/api";

export const dynamic = "force-dynamic";

const execBody = z.union([
  z.strictObject({ argv: z.array(z.string()).min(1), timeout: z.number().positive().max(3600).optional() }),
  z.strictObject({ script: z.string().min(1), timeout: z.number().positive().max(3600).optional() }),
]);
/** POST /api/labs/:lab/nodes/:node/{start,stop,restart,wipe,crash,exec,mconsole} */
export const POST = handler<{ lab: string; node: string; action: string }>(async (svc, req, { lab, node, action }, who) => {
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
    default:
      throw new BadRequestError(`unknown node action "${action}" (start, stop, restart, wipe, crash, exec, mconsole)`);
  }
});
