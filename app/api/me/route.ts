import { handler } from "@/server/api/route";
import { PRIVILEGES, can } from "@/server/auth/permissions";

export const dynamic = "force-dynamic";

/** GET /api/me: who the request is from, and what the console should offer them. */
export const GET = handler(async (_svc, _req, _p, who) => ({
  id: who.id,
  name: who.name,
  email: who.email,
  role: who.role,
  via: who.via,
  admin: can(who, "User.Admin"),
  privileges: PRIVILEGES.filter((p) => can(who, p)),
}));
