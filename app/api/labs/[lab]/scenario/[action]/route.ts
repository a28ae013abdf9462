import { BadRequestError } from "@/server/api/http";
import { handler } from "@/server/api/route";
import { playScenario, stopScenario } from "@/server/api/scenario-service";

export const dynamic = "force-dynamic";

/**
 * POST /api/labs/:lab/scenario/play: plays the lab's scenario from now (409
 * when the lab is not running, has no scenario, or already plays it);
 * POST /api/labs/:lab/scenario/stop: cancels the steps still pending.
 */
export const POST = handler<{ lab: string; action: string }>(async (svc, _req, p, who) => {
  if (p.action === "play") return playScenario(svc, who, p.lab);
  if (p.action === "stop") return stopScenario(svc, who, p.lab);
  throw new BadRequestError(`unknown scenario action "${p.action}" (play, stop)`);
});
