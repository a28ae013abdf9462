import { listChecks, mayRevealHidden } from "@/server/api/check-service";
import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

/**
 * GET /api/labs/:lab/checks: { lab, checks (id, description, points, kind,
 * node), hidden (how many were left out), last (the last run, or null) };
 * `?hidden=1` includes hidden checks for those who teach.
 */
export const GET = handler<{ lab: string }>(async (svc, req, { lab }, who) =>
  listChecks(svc, who, lab, { includeHidden: new URL(req.url).searchParams.get("hidden") === "1" && mayRevealHidden(who) }),
);
