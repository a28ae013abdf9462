import { BadRequestError } from "@/server/api/http";
import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

/** POST /api/labs/:lab/switches/:switch/{pause,resume}: SIGSTOP / SIGCONT the switch process. */
export const POST = handler<{ lab: string; switch: string; action: string }>(async (svc, _req, p, who) => {
  if (p.action !== "pause" && p.action !== "resume") throw new BadRequestError(`unknown switch action "${p.action}" (pause, resume)`);
  return svc.pauseSwitch(who, p.lab, p.switch, p.action === "pause");
});
