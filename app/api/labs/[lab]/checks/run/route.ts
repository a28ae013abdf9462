import { mayRevealHidden, runChecks } from "@/server/api/check-service";
import { handler, jsonBody } from "@/server/api/route";

export const dynamic = "force-dynamic";

/**
 * POST /api/labs/:lab/checks/run: runs the lab's checks on the running lab →
 * { lab, ranAt, points, maxPoints, results: [{ id, description, passed,
 * reason, points, maxPoints, hint? }] }; `{ "hidden": true }` includes
 * hidden checks for those who teach.
 */
export const POST = handler<{ lab: string }>(async (svc, req, { lab }, who, all) => {
  const body = (await jsonBody(req)) as { hidden?: unknown };
  // A class's hidden checks show to its students once the assignment has closed.
  const includeHidden = (body.hidden === true && mayRevealHidden(who)) || (await all.classes.revealsHidden(lab));
  const report = await runChecks(svc, who, lab, { includeHidden });
  // A student's instance: the teacher's console shows the report.
  await all.classes.record(lab, report);
  return report;
});
