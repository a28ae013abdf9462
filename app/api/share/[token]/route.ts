import { publicHandler } from "@/server/api/route";

export const dynamic = "force-dynamic";
type P = { token: string };

/** What a share link shows: anyone holding the token may look (read-only); nothing here changes anything. */
export const GET = publicHandler<P>(async (all, _req, { token }) => all.shares.view(token));
