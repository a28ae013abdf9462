import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

/** POST /api/kernels/build: start building the fast kernel in the background (202), or say it is built. */
export const POST = handler(async (svc) => {
  const build = svc.kernels.start();
  return Response.json({ build }, { status: build.state === "building" ? 202 : 200 });
});
