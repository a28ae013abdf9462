import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

export const GET = handler<{ lab: string }>(async (svc, _req, { lab }, who) => svc.status(who, lab));
