import { handler } from "@/server/api/route";
import { scenarioOf } from "@/server/api/scenario-service";

export const dynamic = "force-dynamic";

/** GET /api/labs/:lab/scenario: { lab, steps (in the order they run), playing, startedAt, stopped, log } of the last play. */
export const GET = handler<{ lab: string }>(async (svc, _req, { lab }, who) => scenarioOf(svc, who, lab));
