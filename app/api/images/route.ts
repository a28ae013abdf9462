import { BadRequestError } from "@/server/api/http";
import { handler, jsonBody } from "@/server/api/route";
import { demand } from "@/server/auth/permissions";
import { parseImageRecipe } from "@/server/model/image-recipe";

export const dynamic = "force-dynamic";

/** GET /api/images: the images nodes can boot, with size, date and any build in progress, and the revision they were read at. */
export const GET = handler(async (svc) => svc.engine.imageList());

/**
 * POST /api/images: add an image recipe, JSON `{ name, packages, suite?,
 * files?: { "/guest/path": "text" }, memoryMiB?, description? }`, and start
 * building its image (202). A bad recipe or one of umlab's own names: 400;
 * a recipe of that name already there: 409.
 */
export const POST = handler(async (svc, req, _p, who, all) => {
  demand(who, "Image.Build", "adding an image recipe");
  const parsed = parseImageRecipe(await jsonBody(req));
  if ("problem" in parsed) throw new BadRequestError(parsed.problem);
  const status = await svc.engine.addImageRecipe(parsed.recipe);
  await all.owners.set("image", parsed.recipe.name, who.id);
  return Response.json(status, { status: status.build.state === "building" ? 202 : 201 });
});
