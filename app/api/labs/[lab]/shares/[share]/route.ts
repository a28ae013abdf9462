import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";
type P = { lab: string; share: string };

/** Revokes a link (by its id or token): it stops working for everyone; forks made from it stay. */
export const DELETE = handler<P>(async (_svc, _req, { lab, share }, who, all) => all.shares.revoke(who, lab, share));
