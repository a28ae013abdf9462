import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";
type P = { class: string; user: string };

/** The teacher removes a student (by user id); their instances stay theirs. */
export const DELETE = handler<P>(async (_svc, _req, p, who, all) => all.classes.removeMember(who, p.class, p.user));
