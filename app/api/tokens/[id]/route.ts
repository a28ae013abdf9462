import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

/** DELETE /api/tokens/:id: revoke one of the caller's tokens (404 for anyone else's). */
export const DELETE = handler<{ id: string }>(async (_svc, _req, { id }, who, all) => {
  await all.accounts.revokeToken(who, id);
  return { ok: true };
});
