import { handler, jsonBody } from "@/server/api/route";
import { newUserBody } from "@/server/auth/accounts";
import { demand } from "@/server/auth/permissions";

export const dynamic = "force-dynamic";

/** GET /api/admin/users: every account (admins only). */
export const GET = handler(async (_svc, _req, _p, who, all) => {
  demand(who, "User.Admin", "listing users");
  return { users: await all.accounts.listUsers() };
});

/** POST /api/admin/users { name, email, password, role }: a new account (admins only). */
export const POST = handler(async (_svc, req, _p, who, all) => {
  demand(who, "User.Admin", "creating users");
  return Response.json({ user: await all.accounts.createUser(newUserBody.parse(await jsonBody(req))) }, { status: 201 });
});
