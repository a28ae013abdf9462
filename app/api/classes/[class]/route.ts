import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";
type P = { class: string };

/** A class: its assignments and messages; for its teacher also its join code and members. */
export const GET = handler<P>(async (_svc, _req, p, who, all) => all.classes.get(who, p.class));
/** Deletes a class and its assignments; students' instances stay theirs. */
export const DELETE = handler<P>(async (_svc, _req, p, who, all) => all.classes.remove(who, p.class));
