import { handler, jsonBody } from "@/server/api/route";
import { resetRequestSchema } from "@/server/model/classroom";

export const dynamic = "force-dynamic";
type P = { assignment: string };

/** Back to the published state: your own instance, or (the teacher) { student } or { all: true }. */
export const POST = handler<P>(async (_svc, req, p, who, all) => all.classes.reset(who, p.assignment, resetRequestSchema.parse(await jsonBody(req))));
