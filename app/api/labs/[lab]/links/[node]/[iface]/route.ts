import { z } from "zod";
import { handler, jsonBody } from "@/server/api/route";

export const dynamic = "force-dynamic";

const linkBody = z.discriminatedUnion("action", [
  z.strictObject({ action: z.enum(["pull", "plug", "clear"]) }),
  z
    .strictObject({
      action: z.literal("impair"),
      lossPct: z.number().min(0).max(100).optional(),
      delayMs: z.number().min(0).max(60000).optional(),
      bandwidthKbit: z.number().positive().optional(),
      dupPct: z.number().min(0).max(100).optional(),
    })
    .refine((b) => !!(b.lossPct || b.delayMs || b.bandwidthKbit || b.dupPct), { message: "nothing to impair: give lossPct, delayMs, bandwidthKbit or dupPct" }),
]);

/**
 * POST /api/labs/:lab/links/:node/:iface with { action: "pull" | "plug" | "clear" }
 * or { action: "impair", lossPct?, delayMs?, bandwidthKbit?, dupPct? }:
 * a fault on the link between a node's interface and its switch.
 */
export const POST = handler<{ lab: string; node: string; iface: string }>(async (svc, req, p, who) =>
  svc.linkAction(who, p.lab, p.node, p.iface, linkBody.parse(await jsonBody(req))),
);
