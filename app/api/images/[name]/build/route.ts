import { demand } from "@/server/auth/permissions";
import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

/** POST /api/images/:name/build: build an image in the background (202), or say it is built. */
export const POST = handler<{ name: string }>(async (svc, _req, { name }, who, all) => {
  demand(who, "Image.Build", "building an image");
  const status = await svc.engine.buildImage(name);
  // A user recipe stays its author's when someone else rebuilds it.
  if (!(await all.owners.of("image", name))) await all.owners.set("image", name, who.id);
  return Response.json(status, { status: status.build.state === "building" ? 202 : 200 });
});
