import { z } from "zod";
import { jsonBody, publicHandler } from "@/server/api/route";

export const dynamic = "force-dynamic";

const setupBody = z.strictObject({ code: z.string().min(1).max(200), name: z.string(), email: z.string(), password: z.string() });

/** GET /api/setup: { needed } — true until the first account exists. Anyone may ask. */
export const GET = publicHandler(async (all) => ({ needed: !(await all.accounts.hasUsers()) }));

/** POST /api/setup { code, name, email, password }: the first account, an admin, with the code printed at start (403 without it). */
export const POST = publicHandler(async (all, req) => {
  const { code, ...user } = setupBody.parse(await jsonBody(req));
  return Response.json({ user: await all.accounts.completeSetup(code, user) }, { status: 201 });
});
