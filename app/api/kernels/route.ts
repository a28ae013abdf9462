import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

/** GET /api/kernels: the kernels nodes can boot (fast, debian, custom ones), and the build running or done last. */
export const GET = handler(async (svc) => ({ kernels: await svc.engine.kernelList(), build: await svc.engine.kernelBuildState() }));
