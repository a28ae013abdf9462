import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

/** Starts the lab's switches and nodes; answers once every process is launched (nodes are then booting). */
export const POST = handler<{ lab: string }>(async (svc, _req, { lab }, who) => svc.start(who, lab));
