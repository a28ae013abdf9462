import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

/** GET /api/images: the images nodes can boot, with size, date and any build in progress. */
export const GET = handler(async (svc) => ({ images: await svc.engine.imageList() }));
