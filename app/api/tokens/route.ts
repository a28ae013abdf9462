import { z } from "zod";
import { handler, jsonBody } from "@/server/api/route";

export const dynamic = "force-dynamic";

/** GET /api/tokens: the caller's personal API tokens (never their values). */
export const GET = handler(async (_svc, _req, _p, who, all) => ({ tokens: await all.accounts.listTokens(who) }));

/** POST /api/tokens { name }: a new token; its value is in this answer only. */
export const POST = handler(async (_svc, req, _p, who, all) => {
  const { name } = z.strictObject({ name: z.string().trim().min(1).max(60) }).parse(await jsonBody(req));
  return Response.json(await all.accounts.createToken(who, name), { status: 201 });
});
