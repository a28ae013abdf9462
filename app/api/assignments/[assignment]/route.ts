import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";
type P = { assignment: string };

/** Removes an assignment (its teacher); students' instances stay theirs. */
export const DELETE = handler<P>(async (_svc, _req, p, who, all) => all.classes.unpublish(who, p.assignment));
