import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";
type P = { assignment: string };

/** Your own instance of an assignment, made the first time: { labId, lab, created }. */
export const POST = handler<P>(async (_svc, _req, p, who, all) => all.classes.open(who, p.assignment));
