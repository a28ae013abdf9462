import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

export const GET = handler(async (_svc, _req, _p, who) => ({ ok: true, user: { id: who.id, name: who.name, role: who.role } }));
