import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

/** GET /api/images: the images nodes can boot, with size, date and any build in progress, and the revision they were read at. */
export const GET = handler(async (svc) => svc.engine.imageList());
