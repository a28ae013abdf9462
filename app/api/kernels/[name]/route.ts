import { ForbiddenError, demand, owns } from "@/server/auth/permissions";
import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

/** DELETE /api/kernels/:name: remove a custom kernel (cancelling its build), unless a running node chose it (409). */
export const DELETE = handler<{ name: string }>(async (svc, _req, { name }, who, all) => {
  // A kernel built by someone else is theirs: only they (or an admin) remove it.
  const owner = await all.owners.of("kernel", name);
  if (owner && !owns(who, owner, "Kernel.All")) throw new ForbiddenError(`kernel "${name}" is another user's: only they or an admin can remove it`);
  if (!owner) demand(who, "Kernel.All", "removing a kernel nobody owns");
  const removed = await svc.engine.removeKernel(name);
  await all.owners.forget("kernel", name);
  return removed;
});
