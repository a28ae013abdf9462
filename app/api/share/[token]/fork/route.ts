import { handler, jsonBody } from "@/server/api/route";
import { forkRequestSchema } from "@/server/model/share";

export const dynamic = "force-dynamic";
type P = { token: string };

/** A lab of the signed-in user's own from a share link (JSON { name? }), with the disks the link gives. */
export const POST = handler<P>(async (_svc, req, { token }, who, all) => {
  const { name } = forkRequestSchema.parse(await jsonBody(req));
  return Response.json(await all.shares.fork(who, token, name), { status: 201 });
});
