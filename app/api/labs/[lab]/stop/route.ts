import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

export const POST = handler<{ lab: string }>(async (svc, _req, { lab }, who) => svc.stop(who, lab));
