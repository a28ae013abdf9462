import { handler, jsonBody } from "@/server/api/route";
import { joinRequestSchema } from "@/server/model/classroom";

export const dynamic = "force-dynamic";

/** Joins a class with its code (JSON { code }). */
export const POST = handler(async (_svc, req, _p, who, all) => all.classes.join(who, joinRequestSchema.parse(await jsonBody(req)).code));
