import { handler, jsonBody } from "@/server/api/route";
import { shareRequestSchema } from "@/server/model/share";

export const dynamic = "force-dynamic";
type P = { lab: string };

/** The lab's share links (its owner's view: with their tokens). */
export const GET = handler<P>(async (_svc, _req, { lab }, who, all) => all.shares.list(who, lab));
/** Makes one (JSON { disks?: "snapshot" | "live", fork?: boolean, expiresIn?: "7d" }). */
export const POST = handler<P>(async (_svc, req, { lab }, who, all) => Response.json(await all.shares.create(who, lab, shareRequestSchema.parse(await jsonBody(req))), { status: 201 }));
