import { z } from "zod";
import { handler, jsonBody } from "@/server/api/route";
import { ROLES, demand } from "@/server/auth/permissions";

export const dynamic = "force-dynamic";

/** PATCH /api/admin/users/:id { role }: change a user's role (admins only). */
export const PATCH = handler<{ id: string }>(async (_svc, req, { id }, who, all) => {
  demand(who, "User.Admin", "changing roles");
  const { role } = z.strictObject({ role: z.enum(ROLES) }).parse(await jsonBody(req));
  return { user: await all.accounts.setRole(id, role) };
});
