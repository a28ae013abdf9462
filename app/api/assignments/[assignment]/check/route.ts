import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";
type P = { assignment: string };

/** The teacher runs the checks (hidden ones too) of every running instance; the board shows the reports. */
export const POST = handler<P>(async (_svc, _req, p, who, all) => all.classes.checkAll(who, p.assignment));
