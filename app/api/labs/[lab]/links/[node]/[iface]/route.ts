import { linkRequestSchema } from "@/server/engine/api";
import { handler, jsonBody } from "@/server/api/route";

export const dynamic = "force-dynamic";

/**
 * POST /api/labs/:lab/links/:node/:iface with { action: "pull" | "plug" | "clear" }
 * or { action: "impair", lossPct?, delayMs?, bandwidthKbit?, dupPct? }:
 * a fault on the link between a node's interface and its switch.
 */
export const POST = handler<{ lab: string; node: string; iface: string }>(async (svc, req, p, who) =>
  svc.linkAction(who, p.lab, p.node, p.iface, linkRequestSchema.parse(await jsonBody(req))),
);
