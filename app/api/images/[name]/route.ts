import { BadRequestError } from "@/server/api/http";
import { handler } from "@/server/api/route";
import { ForbiddenError, demand, owns } from "@/server/auth/permissions";
import { NotFoundError } from "@/server/store/lab-store";

export const dynamic = "force-dynamic";

/**
 * DELETE /api/images/:name: remove a user's image recipe and its images
 * (cancelling its build). Its author's or an admin's to remove; umlab's own
 * images 400, an unknown name 404, an image a running node boots from 409.
 */
export const DELETE = handler<{ name: string }>(async (svc, _req, { name }, who, all) => {
  // Answered here, before any permission, from what everyone may list: who asks changes nothing of it.
  const image = (await svc.engine.imageList()).images.find((i) => i.name === name);
  if (!image) throw new NotFoundError(`there is no image recipe "${name}" (\`umlab image ls\` lists them)`);
  if (!image.custom) throw new BadRequestError(`"${name}" is one of umlab's own images: only images of user recipes can be removed`);
  const owner = await all.owners.of("image", name);
  if (owner && !owns(who, owner, "Image.All")) throw new ForbiddenError(`image recipe "${name}" is another user's: only they or an admin can remove it`);
  if (!owner) demand(who, "Image.All", "removing an image recipe nobody owns");
  const removed = await svc.engine.removeImageRecipe(name);
  await all.owners.forget("image", name);
  return removed;
});
