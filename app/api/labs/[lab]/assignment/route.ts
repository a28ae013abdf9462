import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";
type P = { lab: string };

/** The assignment a lab is a student's instance of (handout, class messages), or { assignment: null }. */
export const GET = handler<P>(async (_svc, _req, p, who, all) => (await all.classes.context(who, p.lab)) ?? { assignment: null });
