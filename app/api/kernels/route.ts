import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

/** GET /api/kernels: the kernels nodes can boot, and the fast kernel's build. */
export const GET = handler(async (svc) => ({ kernels: svc.kernels.list(), build: svc.kernels.status() }));
