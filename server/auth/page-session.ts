import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { services, type Services } from "../api/registry";
import type { Principal } from "./permissions";

/**
 * For server-rendered pages: the signed-in user, or a redirect to the sign-in
 * page (to the first-run setup while no account exists).
 */
export async function signedIn(back: string): Promise<{ who: Principal; all: Services }> {
  const all = services();
  const who = await all.accounts.whoIs(new Headers(await headers()));
  if (who) return { who, all };
  if (!(await all.accounts.hasUsers())) redirect("/setup");
  redirect(`/login?next=${encodeURIComponent(back)}`);
}
