import { handler, jsonBody } from "@/server/api/route";
import { messageRequestSchema } from "@/server/model/classroom";

export const dynamic = "force-dynamic";
type P = { class: string };

/** A message to the class (JSON { text }): shown in every student's workspace. */
export const POST = handler<P>(async (_svc, req, p, who, all) => Response.json(await all.classes.message(who, p.class, messageRequestSchema.parse(await jsonBody(req)).text), { status: 201 }));
