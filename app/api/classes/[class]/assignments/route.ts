import { handler, jsonBody } from "@/server/api/route";
import { publishRequestSchema } from "@/server/model/classroom";

export const dynamic = "force-dynamic";
type P = { class: string };

/** Publishes one of the teacher's labs to the class (JSON { lab, title?, handout?, idleMinutes?, opensAt?, closesAt? }). */
export const POST = handler<P>(async (_svc, req, p, who, all) => Response.json(await all.classes.publish(who, p.class, publishRequestSchema.parse(await jsonBody(req))), { status: 201 }));
