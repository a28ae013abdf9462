import { handler, jsonBody } from "@/server/api/route";
import { memberRequestSchema } from "@/server/model/classroom";

export const dynamic = "force-dynamic";
type P = { class: string };

/** The teacher adds a user (JSON { email }). */
export const POST = handler<P>(async (_svc, req, p, who, all) => all.classes.addMember(who, p.class, memberRequestSchema.parse(await jsonBody(req)).email));
