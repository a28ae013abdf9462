import { handler, jsonBody } from "@/server/api/route";

export const dynamic = "force-dynamic";
type P = { lab: string };

/** The lab's captures, running or stopped, with their counts. */
export const GET = handler<P>(async (_svc, _req, { lab }, who, all) => all.captures.list(who, lab));
/** Starts one (JSON { target: { kind: "switch", name } | { kind: "link", node, iface }, ringMiB? }). */
export const POST = handler<P>(async (_svc, req, { lab }, who, all) => Response.json(await all.captures.start(who, lab, await jsonBody(req)), { status: 201 }));
