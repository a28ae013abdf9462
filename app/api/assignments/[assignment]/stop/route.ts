import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";
type P = { assignment: string };

/** Stops every running instance of the assignment (its teacher); disks are kept. */
export const POST = handler<P>(async (_svc, _req, p, who, all) => all.classes.stopAll(who, p.assignment));
