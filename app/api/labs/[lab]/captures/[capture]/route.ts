import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";
type P = { lab: string; capture: string };

/** Stops a capture if it runs and forgets its frames. */
export const DELETE = handler<P>(async (_svc, _req, { lab, capture }, who, all) => {
  await all.captures.remove(who, lab, capture);
  return new Response(null, { status: 204 });
});
