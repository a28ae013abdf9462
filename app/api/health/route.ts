import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

export const GET = handler(async (svc) => ({ ok: true, root: svc.engine.root }));
