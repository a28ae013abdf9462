import { handler, jsonBody } from "@/server/api/route";
import { classRequestSchema } from "@/server/model/classroom";

export const dynamic = "force-dynamic";

/** The classes you teach and attend (admins: every class). */
export const GET = handler(async (_svc, _req, _p, who, all) => all.classes.list(who));
/** A new class (JSON { name }): teachers and admins. */
export const POST = handler(async (_svc, req, _p, who, all) => Response.json(await all.classes.create(who, classRequestSchema.parse(await jsonBody(req)).name), { status: 201 }));
