import { handler, jsonBody } from "@/server/api/route";
import { demand } from "@/server/auth/permissions";
import { quotasBody } from "@/server/auth/quotas";

export const dynamic = "force-dynamic";

/** GET /api/admin/quotas: the per-user limits everyone but admins starts labs under. */
export const GET = handler(async (_svc, _req, _p, _who, all) => ({ quotas: await all.quotas.get() }));

/** PUT /api/admin/quotas { runningLabs, runningNodes, memoryMiB } (admins only). */
export const PUT = handler(async (_svc, req, _p, who, all) => {
  demand(who, "User.Admin", "setting quotas");
  return { quotas: await all.quotas.set(quotasBody.parse(await jsonBody(req))) };
});
