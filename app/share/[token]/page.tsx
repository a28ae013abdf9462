import { headers } from "next/headers";
import { SharedLab } from "@/components/share/SharedLab";
import type { ShareView } from "@/server/api/share-service";
import { services } from "@/server/api/registry";

export const dynamic = "force-dynamic";

/** A share link: open to anyone who has it (the token is the permission), read-only; forking needs a signed-in user. */
export default async function SharePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const all = services();
  const who = await all.accounts.whoIs(new Headers(await headers()));
  let view: ShareView | null = null;
  let problem: string | null = null;
  try {
    view = await all.shares.view(token);
  } catch (e) {
    problem = (e as Error).message;
  }
  return <SharedLab token={token} initial={view} problem={problem} signedIn={!!who} />;
}
