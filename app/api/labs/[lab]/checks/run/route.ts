import { mayRevealHidden, runChecks } from "@/server/api/check-service";
import { handler, jsonBody } from "@/server/api/route";

export const dynamic = "force-dynamic";

/**
 * POST /api/labs/:lab/checks/run: runs the lab's checks on the running lab →
 * { lab, ranAt, points, maxPoints, results: [{ id, description, passed,
 * reason, points, maxPoints, hint? }] }; `{ "hidden": true }` includes
 * hidden checks for those who teach.
 */
export const POST = handler<{ lab: string }>(async (svc, req, { lab }, who) => {
  const body = (await jsonBody(req)) as { hidden?: unknown };
  return runChecks(svc, who, lab, { includeHidden: body.hidden === true && mayRevealHidden(who) });
});
