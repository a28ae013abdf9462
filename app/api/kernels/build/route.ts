import { z } from "zod";
import { BadRequestError } from "@/server/api/http";
import { demand } from "@/server/auth/permissions";
import { handler, jsonBody } from "@/server/api/route";

export const dynamic = "force-dynamic";

const customKernel = z.strictObject({ name: z.string(), fragment: z.string() });

/**
 * POST /api/kernels/build: start building a kernel in the background (202),
 * or say it is built (200). No body: the fast kernel. JSON `{ name, fragment }`:
 * a custom kernel, umlab's configuration with the fragment merged after it (a
 * bad name or fragment line: 400; another kernel being built: 409).
 */
export const POST = handler(async (svc, req, _p, who, all) => {
  demand(who, "Kernel.Build", "building a kernel");
  const body = await jsonBody(req);
  const empty = typeof body === "object" && body !== null && !Object.keys(body).length;
  let build;
  if (empty) build = await svc.engine.buildFastKernel();
  else {
    const custom = customKernel.safeParse(body);
    if (!custom.success) throw new BadRequestError('expected no body (the fast kernel) or JSON { "name": "...", "fragment": "CONFIG_...=y\\n..." }');
    build = await svc.engine.buildCustomKernel(custom.data);
    await all.owners.set("kernel", custom.data.name, who.id);
  }
  return Response.json({ build }, { status: build.state === "building" ? 202 : 200 });
});
