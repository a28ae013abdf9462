import { z } from "zod";
import { cableActionSchema } from "@/server/engine/api";
import { handler, jsonBody } from "@/server/api/route";

export const dynamic = "force-dynamic";

const body = z.strictObject({ action: cableActionSchema });

/** POST /api/labs/:lab/cables/:line with { action: "cut" | "mend" }: the serial cable on a line (NODE.ttySN, either end). */
export const POST = handler<{ lab: string; line: string }>(async (svc, req, p, who) => svc.cableAction(who, p.lab, p.line, body.parse(await jsonBody(req)).action));
