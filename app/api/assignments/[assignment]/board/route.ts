import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";
type P = { assignment: string };

/** The teacher's console: every student, their instance's state and last check report. */
export const GET = handler<P>(async (_svc, _req, p, who, all) => all.classes.board(who, p.assignment));
