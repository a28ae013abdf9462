import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";
type P = { lab: string; capture: string };

/** Stops a capture; its frames stay for download until it is deleted or the lab stops. */
export const POST = handler<P>(async (_svc, _req, { lab, capture }, who, all) => all.captures.stop(who, lab, capture));
