import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

/** GET /api/kernels: the kernels nodes can boot (fast, debian, custom ones), the build running or done last, and the revision they were read at. */
export const GET = handler(async (svc) => svc.engine.kernelList());
