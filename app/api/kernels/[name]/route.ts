import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

/** DELETE /api/kernels/:name: remove a custom kernel (cancelling its build), unless a running node chose it (409). */
export const DELETE = handler<{ name: string }>(async (svc, _req, { name }) => svc.kernels.remove(name));
